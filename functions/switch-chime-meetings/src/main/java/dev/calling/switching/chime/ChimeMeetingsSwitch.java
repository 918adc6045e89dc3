package dev.calling.switching.chime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.media.DynamoDbCallMedia.CallMediaItem;
import dev.calling.adapters.media.DynamoDbCallMedia.MediaLeg;
import dev.calling.adapters.media.DynamoDbCallMedia.MediaSession;
import dev.calling.adapters.realtime.MediaJoinPush;
import dev.calling.core.app.CallEvents;
import dev.calling.core.app.MediaJoin;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.core.call.SwitchPort;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.chimesdkmeetings.ChimeSdkMeetingsClient;
import software.amazon.awssdk.services.chimesdkmeetings.model.Attendee;
import software.amazon.awssdk.services.chimesdkmeetings.model.MediaCapabilities;
import software.amazon.awssdk.services.chimesdkmeetings.model.MediaPlacement;
import software.amazon.awssdk.services.chimesdkmeetings.model.Meeting;
import software.amazon.awssdk.services.chimesdkmeetings.model.NotFoundException;

/**
 * Amazon Chime SDK Meetings as the VoIP switch: one meeting per call, one attendee per party
 * connection that takes part. The mapping of commands (README, "The switch in AWS"):
 * <ul>
 *   <li>{@code RingCallee}: CreateMeeting (audio only, {@code ExternalMeetingId} = call id, a
 *       {@code ClientRequestToken} derived from the call id, so a repeated command gets the same
 *       meeting) and CreateAttendee for the caller's connection; the caller's join info goes to the
 *       caller's connection. The callee's devices get nothing yet: a device that has not answered
 *       cannot listen in.
 *   <li>{@code BridgeConnections}: CreateAttendee for the callee's answering connection; its join info
 *       goes to that connection alone.
 *   <li>{@code ReleaseConnection}: of the caller's connection (released only when the call ends):
 *       DeleteMeeting and the call's media record is closed; of another connection: DeleteAttendee.
 * </ul>
 * Every step is idempotent ({@code ExternalUserId} is Chime's idempotency token for attendees), and
 * the {@code call-media} record refuses to set media up again once the call's media was closed.
 *
 * <p>Failures: a throttled or failing Chime (429, 5xx, no answer) throws, and the command is retried
 * through the {@code switch-commands} queue; a request Chime refuses for good (4xx), or a set-up that
 * is still failing after the queue's retries ({@link #giveUp}), ends the call: a {@code MediaLost}
 * event goes to the call's message group.
 */
public final class ChimeMeetingsSwitch implements SwitchPort {

    /** The provider name apps see next to the join info. */
    public static final String PROVIDER = "chime-meetings";

    private static final System.Logger LOG = System.getLogger(ChimeMeetingsSwitch.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What Chime accepts as ExternalMeetingId / ExternalUserId (2 to 64 of these). */
    private static final Pattern EXTERNAL_ID = Pattern.compile("[-_&@+=,(){}\\[\\]/«».:|'\"#a-zA-Z0-9À-ÿ ]{2,64}");
    /** What stands for the callee of a PSTN call in the call's media record. */
    static final String PHONE = "phone";
    /** Caller, callee and (for PSTN through Chime) the phone leg. */
    static final int MAX_ATTENDEES = 3;

    private final ChimeSdkMeetingsClient chime;
    private final DynamoDbCallMedia media;
    private final MediaJoinPush push;
    private final CallEvents callStateChanges;
    private final MeetingSettings settings;
    private final Clock clock;

    public ChimeMeetingsSwitch(ChimeSdkMeetingsClient chime, DynamoDbCallMedia media, MediaJoinPush push,
            CallEvents callStateChanges, MeetingSettings settings, Clock clock) {
        this.chime = chime;
        this.media = media;
        this.push = push;
        this.callStateChanges = callStateChanges;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public void ring(CallCommand.RingCallee command) {
        settingUp(command, () -> {
            Optional<CallMediaItem> stored = media.find(command.callId());
            if (stored.map(CallMediaItem::closed).orElse(false)) {
                LOG.log(Level.INFO, () -> "Switch: call " + command.callId() + " has ended; no meeting for it");
                return;
            }
            MediaSession session = stored.map(CallMediaItem::session).orElse(null);
            if (session == null) {
                session = openMeeting(command.callId(), command.callerUserId(), command.callerConnectionId(),
                        command.calleeUserId());
                if (session == null) {
                    return;
                }
            }
            join(session, command.callerUserId(), command.callerConnectionId(), Party.CALLER);
        });
    }

    /**
     * A phone leg's place in its call's meeting: what a SIP media application's {@code JoinChimeMeeting}
     * action needs. The join token is handed to Chime PSTN audio only, never stored.
     */
    public record PhoneSeat(String meetingId, String joinToken, boolean seatedBefore) {
        @Override
        public String toString() {
            return "PhoneSeat[meeting " + meetingId + "]";
        }
    }

    /**
     * Brings an answered PSTN leg into the call's media (Chime SDK PSTN audio, {@code JoinChimeMeeting}):
     * the call's meeting (made now: a PSTN call is not rung through the switch), the caller's attendee
     * (join info pushed to the caller's connection) and an attendee for the phone leg of
     * {@code attempt}. Idempotent like the rest; empty once the call's media is closed. Chime's
     * failures are thrown: the carrier's bridge command is retried.
     */
    public Optional<PhoneSeat> seatPhone(String callId, int attempt, String callerUserId, String callerConnectionId) {
        Optional<CallMediaItem> stored = media.find(callId);
        if (stored.map(CallMediaItem::closed).orElse(false)) {
            return Optional.empty();
        }
        MediaSession session = stored.map(CallMediaItem::session).orElse(null);
        if (session == null) {
            session = openMeeting(callId, callerUserId, callerConnectionId, PHONE);
            if (session == null) {
                return Optional.empty();
            }
        }
        join(session, callerUserId, callerConnectionId, Party.CALLER);
        String meetingId = session.sessionId();
        Attendee phone = chime.createAttendee(r -> r.meetingId(meetingId)
                .externalUserId(token(PHONE, callId + "#" + attempt))
                .capabilities(c -> c.audio(MediaCapabilities.SEND_RECEIVE).video(MediaCapabilities.NONE)
                        .content(MediaCapabilities.NONE))).attendee();
        LOG.log(Level.INFO, () -> "Switch: call " + callId + ": phone leg of attempt " + attempt + " is attendee "
                + phone.attendeeId());
        boolean seatedBefore = stored.map(item -> item.seatedPhones().contains(attempt)).orElse(false);
        return Optional.of(new PhoneSeat(meetingId, phone.joinToken(), seatedBefore));
    }

    /** The phone leg of {@code attempt} was handed its seat (Chime was told to join it). */
    public void phoneSeated(String callId, int attempt) {
        media.phoneSeated(callId, attempt);
    }

    @Override
    public void bridge(CallCommand.BridgeConnections command) {
        settingUp(command, () -> {
            Optional<CallMediaItem> stored = media.find(command.callId());
            if (stored.map(CallMediaItem::closed).orElse(false)) {
                return;
            }
            MediaSession session = stored.map(CallMediaItem::session).orElseThrow(() -> new MediaNotSetUp(
                    "no meeting was set up for call " + command.callId() + " before it was answered"));
            join(session, session.calleeUserId(), command.calleeConnectionId(), Party.CALLEE);
        });
    }

    @Override
    public void release(CallCommand.ReleaseConnection command) {
        Optional<CallMediaItem> stored = media.find(command.callId());
        if (stored.isEmpty() || stored.get().closed() || stored.get().session() == null) {
            return;
        }
        CallMediaItem item = stored.get();
        if (!PROVIDER.equals(item.session().provider())) {
            // A PSTN call bridged by its carrier (Twilio): nothing of ours to delete; its credentials go with the call.
            if (command.connectionId().equals(item.session().callerConnectionId())) {
                media.close(command.callId(), clock.instant().plus(settings.keepRecords()));
            }
            return;
        }
        if (command.connectionId().equals(item.session().callerConnectionId())) {
            String meetingId = item.session().sessionId();
            try {
                chime.deleteMeeting(r -> r.meetingId(meetingId));
            } catch (NotFoundException gone) {
                // ended already (on its own, or by an earlier try of this command)
            }
            media.close(command.callId(), clock.instant().plus(settings.keepRecords()));
            LOG.log(Level.INFO, () -> "Switch: call " + command.callId() + ": meeting " + meetingId + " deleted");
            return;
        }
        Optional<MediaLeg> leg = item.legOf(command.connectionId());
        if (leg.isPresent()) {
            try {
                chime.deleteAttendee(r -> r.meetingId(item.session().sessionId()).attendeeId(leg.get().legId()));
            } catch (NotFoundException gone) {
                // deleted already
            }
            media.removeLeg(command.callId(), command.connectionId());
        }
    }

    /**
     * A set-up command (ring or bridge) kept failing until its queue's last try: the call cannot get
     * its media, so it ends (FAILED, both apps told by the call state manager); the release that
     * follows deletes whatever part of the meeting was made.
     */
    public void giveUp(CallCommand command, Exception failure) {
        LOG.log(Level.ERROR, "Switch: call " + command.callId() + ": giving up on " + command.getClass().getSimpleName()
                + " after the queue's retries: " + failure);
        reportLost(command.callId(), "the switch could not set up the call's media (Amazon Chime SDK Meetings: "
                + summary(failure) + ")");
    }

    /** Whether a failure may pass if the command is tried again (throttling, 5xx, no answer). */
    public static boolean retryable(Exception failure) {
        if (failure instanceof MediaNotSetUp) {
            return false;
        }
        if (failure instanceof AwsServiceException service) {
            return service.isThrottlingException() || service.statusCode() == 429 || service.statusCode() >= 500;
        }
        return failure instanceof SdkClientException;
    }

    private void settingUp(CallCommand command, Runnable work) {
        try {
            work.run();
        } catch (SdkException | MediaNotSetUp e) {
            if (retryable(e)) {
                throw e;
            }
            LOG.log(Level.ERROR, "Switch: call " + command.callId() + ": " + command.getClass().getSimpleName()
                    + " refused for good: " + e);
            reportLost(command.callId(), "the switch refused to set up the call's media: " + summary(e));
        }
    }

    private MediaSession openMeeting(String callId, String callerUserId, String callerConnectionId,
            String calleeUserId) {
        if (!EXTERNAL_ID.matcher(callId).matches()) {
            throw new MediaNotSetUp("call id " + callId + " cannot name a Chime meeting (2-64 characters of "
                    + EXTERNAL_ID.pattern() + ")");
        }
        Meeting meeting = chime.createMeeting(r -> r
                .clientRequestToken(token("meeting", callId))
                .externalMeetingId(callId)
                .mediaRegion(settings.mediaRegion())
                .meetingFeatures(f -> f
                        .video(v -> v.maxResolution("None"))
                        .content(c -> c.maxResolution("None"))
                        .attendee(a -> a.maxCount(MAX_ATTENDEES)))).meeting();
        MediaSession session = new MediaSession(callId, PROVIDER, meeting.meetingId(), describe(meeting),
                callerUserId, callerConnectionId, calleeUserId);
        if (!media.open(session, clock.instant().plus(settings.keepRecords()))) {
            // The call ended while we were creating it, or a racing try opened another meeting first.
            LOG.log(Level.WARNING, () -> "Switch: call " + callId + ": meeting " + meeting.meetingId()
                    + " not needed; deleting it");
            try {
                chime.deleteMeeting(r -> r.meetingId(meeting.meetingId()));
            } catch (NotFoundException gone) {
                // fine
            }
            return media.find(callId).filter(item -> !item.closed()).map(CallMediaItem::session).orElse(null);
        }
        LOG.log(Level.INFO, () -> "Switch: call " + callId + ": meeting " + meeting.meetingId() + " in "
                + meeting.mediaRegion());
        return session;
    }

    private void join(MediaSession session, String userId, String connectionId, Party party) {
        Attendee attendee = chime.createAttendee(r -> r.meetingId(session.sessionId())
                .externalUserId(externalUserId(userId, connectionId))
                .capabilities(c -> c.audio(MediaCapabilities.SEND_RECEIVE).video(MediaCapabilities.NONE)
                        .content(MediaCapabilities.NONE))).attendee();
        String join = joinDocument(session.session(), attendee);
        if (!media.putLeg(session.callId(), new MediaLeg(connectionId, userId, party, attendee.attendeeId(), join))) {
            // The call's media was closed meanwhile: this attendee must not be able to join.
            try {
                chime.deleteAttendee(r -> r.meetingId(session.sessionId()).attendeeId(attendee.attendeeId()));
            } catch (NotFoundException gone) {
                // the meeting went with the call
            }
            return;
        }
        LOG.log(Level.INFO, () -> "Switch: call " + session.callId() + ": " + party + " connection " + connectionId
                + " is attendee " + attendee.attendeeId());
        push.deliver(new MediaJoin(session.callId(), userId, connectionId, PROVIDER, join));
    }

    private void reportLost(String callId, String cause) {
        callStateChanges.publish(new CallEvent.MediaLost(callId + ":media-lost:setup", callId, clock.instant(), null,
                cause));
    }

    /** The meeting as Chime's client SDKs take it (the CreateMeeting response's {@code Meeting}); no credential. */
    static String describe(Meeting meeting) {
        ObjectNode node = JSON.createObjectNode();
        node.put("MeetingId", meeting.meetingId());
        putIfSet(node, "MeetingArn", meeting.meetingArn());
        putIfSet(node, "ExternalMeetingId", meeting.externalMeetingId());
        putIfSet(node, "MediaRegion", meeting.mediaRegion());
        MediaPlacement placement = meeting.mediaPlacement();
        if (placement != null) {
            ObjectNode p = node.putObject("MediaPlacement");
            putIfSet(p, "AudioHostUrl", placement.audioHostUrl());
            putIfSet(p, "AudioFallbackUrl", placement.audioFallbackUrl());
            putIfSet(p, "SignalingUrl", placement.signalingUrl());
            putIfSet(p, "TurnControlUrl", placement.turnControlUrl());
            putIfSet(p, "ScreenDataUrl", placement.screenDataUrl());
            putIfSet(p, "ScreenViewingUrl", placement.screenViewingUrl());
            putIfSet(p, "ScreenSharingUrl", placement.screenSharingUrl());
            putIfSet(p, "EventIngestionUrl", placement.eventIngestionUrl());
        }
        if (meeting.meetingFeatures() != null) {
            ObjectNode features = node.putObject("MeetingFeatures");
            var f = meeting.meetingFeatures();
            if (f.audio() != null && f.audio().echoReductionAsString() != null) {
                features.putObject("Audio").put("EchoReduction", f.audio().echoReductionAsString());
            }
            if (f.video() != null && f.video().maxResolutionAsString() != null) {
                features.putObject("Video").put("MaxResolution", f.video().maxResolutionAsString());
            }
            if (f.content() != null && f.content().maxResolutionAsString() != null) {
                features.putObject("Content").put("MaxResolution", f.content().maxResolutionAsString());
            }
            if (f.attendee() != null && f.attendee().maxCount() != null) {
                features.putObject("Attendee").put("MaxCount", f.attendee().maxCount());
            }
        }
        return node.toString();
    }

    /** {@code {"Meeting": ..., "Attendee": ...}}: what a party's app hands to the Chime client SDK. */
    static String joinDocument(String meeting, Attendee attendee) {
        try {
            ObjectNode node = JSON.createObjectNode();
            node.set("Meeting", JSON.readTree(meeting));
            ObjectNode a = node.putObject("Attendee");
            a.put("AttendeeId", attendee.attendeeId());
            putIfSet(a, "ExternalUserId", attendee.externalUserId());
            a.put("JoinToken", attendee.joinToken());
            if (attendee.capabilities() != null) {
                ObjectNode c = a.putObject("Capabilities");
                putIfSet(c, "Audio", attendee.capabilities().audioAsString());
                putIfSet(c, "Video", attendee.capabilities().videoAsString());
                putIfSet(c, "Content", attendee.capabilities().contentAsString());
            }
            return node.toString();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored meeting does not read back", e);
        }
    }

    /** {@code <userId>|<connectionId>} when Chime can take it, else a digest of it (also stable). */
    static String externalUserId(String userId, String connectionId) {
        String plain = userId + "|" + connectionId;
        return EXTERNAL_ID.matcher(plain).matches() ? plain : token("user", plain);
    }

    /** A stable token of 2-64 characters for Chime's idempotency fields. */
    static String token(String kind, String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((kind + "\n" + value).getBytes(StandardCharsets.UTF_8));
            return kind + "-" + HexFormat.of().formatHex(digest).substring(0, 40);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void putIfSet(ObjectNode node, String name, String value) {
        if (value != null) {
            node.put(name, value);
        }
    }

    private static String summary(Exception e) {
        if (e instanceof AwsServiceException service && service.awsErrorDetails() != null) {
            return service.awsErrorDetails().errorCode() + ", HTTP " + service.statusCode();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** The call has no meeting where it needs one (not retried: nothing will make one appear). */
    static final class MediaNotSetUp extends RuntimeException {
        MediaNotSetUp(String message) {
            super(message);
        }
    }
}
