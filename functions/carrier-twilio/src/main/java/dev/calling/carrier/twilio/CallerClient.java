package dev.calling.carrier.twilio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.media.DynamoDbCallMedia.CallMediaItem;
import dev.calling.adapters.media.DynamoDbCallMedia.MediaLeg;
import dev.calling.adapters.media.DynamoDbCallMedia.MediaSession;
import dev.calling.adapters.realtime.MediaJoinPush;
import dev.calling.core.app.MediaJoin;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.Party;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Gets the caller's app ready to take the phone leg when it is bridged: the bridge is Twilio calling
 * the app's Twilio Voice SDK ({@code <Dial><Client>}), which the SDK receives only once it is
 * registered with a Voice access token for its client identity. So while the number still rings, the
 * caller's connection is handed a token ({@link TwilioAccessTokens}): stored as the caller's leg of the
 * call's media ({@code call-media}, read by {@code GET /v1/calls/{callId}/media}) and pushed to that one
 * connection as {@code {"type":"media","provider":"twilio","join":{...}}}.
 *
 * <p>The join document: {@code accessToken} (register the Voice SDK with it), {@code identity} (the
 * client identity Twilio will call), {@code expiresAt}, and {@code callParameters}: the
 * {@code <Parameter>}s the incoming call invite will carry ({@code callId}), by which the app knows
 * the invite is the call it placed and accepts it without ringing the user.
 */
public final class CallerClient {

    /** The {@code provider} of a call's media when its phone leg is bridged through Twilio. */
    public static final String PROVIDER = "twilio";

    private static final System.Logger LOG = System.getLogger(CallerClient.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TwilioConfig config;
    private final TwilioAccessTokens tokens;
    private final DynamoDbCallMedia media;
    private final MediaJoinPush push;
    private final Clock clock;

    public CallerClient(TwilioConfig config, DynamoDbCallMedia media, MediaJoinPush push, Clock clock) {
        this.config = config;
        this.tokens = new TwilioAccessTokens(config, clock);
        this.media = media;
        this.push = push;
        this.clock = clock;
    }

    /**
     * Hands the caller's connection a token for this dial; false (and nothing handed) when the call's
     * media is over already or belongs to another switch. Throws when the call-media table fails, so
     * the dial is retried before any phone rings.
     */
    public boolean prepare(CallCommand.DialNumber command) {
        if (command.callerConnectionId() == null) {
            LOG.log(Level.WARNING, () -> "dial " + command.callId() + ":" + command.attempt() + " names no caller"
                    + " connection (a command from before the upgrade): the app reads its token from the API");
            return false;
        }
        Instant now = clock.instant();
        Instant expiresAt = now.plus(config.accessTokenTtl());
        String identity = ClientIdentity.of(config.clientIdentityPrefix(), command.callerUserId());
        MediaSession session = new MediaSession(command.callId(), PROVIDER, config.accountSid(),
                "{\"accountSid\":\"" + config.accountSid() + "\"}", command.callerUserId(),
                command.callerConnectionId(), command.providerId());
        if (!media.open(session, expiresAt)) {
            Optional<CallMediaItem> stored = media.find(command.callId());
            boolean ours = stored.filter(item -> !item.closed() && item.session() != null
                    && PROVIDER.equals(item.session().provider())).isPresent();
            if (!ours) {
                LOG.log(Level.WARNING, () -> "call " + command.callId() + ": its media is "
                        + stored.map(item -> item.closed() ? "closed" : "another switch's").orElse("gone")
                        + "; no Twilio token handed out for attempt " + command.attempt());
                return false;
            }
        }
        String join = joinDocument(tokens.mint(command.callerUserId()), identity, expiresAt, command.callId());
        if (!media.putLeg(command.callId(), new MediaLeg(command.callerConnectionId(), command.callerUserId(),
                Party.CALLER, identity, join))) {
            return false;
        }
        push.deliver(new MediaJoin(command.callId(), command.callerUserId(), command.callerConnectionId(), PROVIDER, join));
        LOG.log(Level.INFO, () -> "call " + command.callId() + ":" + command.attempt() + ": caller's app handed a "
                + config.providerId() + " Voice token for client " + identity);
        return true;
    }

    static String joinDocument(String accessToken, String identity, Instant expiresAt, String callId) {
        Map<String, Object> join = new LinkedHashMap<>();
        join.put("accessToken", accessToken);
        join.put("identity", identity);
        join.put("expiresAt", expiresAt.toString());
        join.put("callParameters", Map.of(TwiML.CALL_ID_PARAMETER, callId));
        try {
            return JSON.writeValueAsString(join);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
