package dev.calling.switching.chime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage;
import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.json.MalformedMessage;
import dev.calling.adapters.lambda.LogContext;
import dev.calling.adapters.lambda.SqsBatchProcessor;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.realtime.MediaJoinPush;
import dev.calling.adapters.sqs.QueueArn;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.app.CallEvents;
import dev.calling.core.call.CallCommand;
import java.lang.System.Logger.Level;
import java.time.Clock;
import software.amazon.awssdk.services.chimesdkmeetings.ChimeSdkMeetingsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The Switch function in AWS: consumes the {@code switch-commands} FIFO queue (ring, bridge, release,
 * in order per call) and carries them out on Amazon Chime SDK Meetings, and consumes the
 * {@code meeting-events} queue (Chime's meeting lifecycle events, routed there by an EventBridge rule)
 * and hands what matters to a call to its message group on {@code call-state-changes}.
 *
 * <p>A command that fails for a passing reason is retried through its queue with a growing delay
 * (1, 2, 4, 8 s: the message's visibility is shortened, so the caller is not kept waiting for the
 * queue's full visibility timeout); on its last try a ring or bridge gives up and the call ends
 * FAILED. A release that keeps failing goes to the dead-letter queue (Chime also ends a meeting left
 * without attendees by itself after five minutes).
 */
public final class ChimeSwitchFunction implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private static final System.Logger LOG = System.getLogger(ChimeSwitchFunction.class.getName());
    static final int MAX_TRIES = Resources.SWITCH_COMMANDS.maxReceiveCount();

    private final ChimeMeetingsSwitch meetings;
    private final MeetingEvents meetingEvents;
    private final CallEvents callStateChanges;
    private final RetryDelay retryDelay;
    private final SqsBatchProcessor batch = new SqsBatchProcessor("Switch", MAX_TRIES);

    /** Sets when a failed message is tried again. */
    @FunctionalInterface
    public interface RetryDelay {
        void retryIn(SQSMessage message, int seconds);
    }

    public ChimeSwitchFunction(ChimeMeetingsSwitch meetings, MeetingEvents meetingEvents, CallEvents callStateChanges,
            RetryDelay retryDelay) {
        this.meetings = meetings;
        this.meetingEvents = meetingEvents;
        this.callStateChanges = callStateChanges;
        this.retryDelay = retryDelay;
    }

    /**
     * The switch as the Switch Lambda and the local stack run it: the meetings switch and the meeting
     * events over one {@code call-media} table, call events to {@code call-state-changes}, retries
     * of {@code switch-commands} shortened there.
     */
    public static ChimeSwitchFunction on(ChimeSdkMeetingsClient chime, DynamoDbCallMedia media, MediaJoinPush push,
            SqsClient sqs, String callStateChangesUrl, String switchCommandsUrl, MeetingSettings settings, Clock clock) {
        SqsCallStateChanges callStateChanges = new SqsCallStateChanges(sqs, callStateChangesUrl);
        return new ChimeSwitchFunction(new ChimeMeetingsSwitch(chime, media, push, callStateChanges, settings, clock),
                new MeetingEvents(media, clock), callStateChanges, new SqsRetryDelay(sqs, switchCommandsUrl));
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return batch.process(event, context, message -> {
            if (QueueArn.names(message.getEventSourceArn(), Resources.MEETING_EVENTS)) {
                meetingEvents.toCallEvent(message.getBody()).ifPresent(callEvent -> {
                    LogContext.call(callEvent.callId());
                    callStateChanges.publish(callEvent);
                });
            } else {
                CallCommand command = Json.readCallCommand(message.getBody());
                LogContext.call(command.callId());
                carryOut(command, message);
            }
        });
    }

    private void carryOut(CallCommand command, SQSMessage message) {
        try {
            if (command instanceof CallCommand.RingCallee ring) {
                meetings.ring(ring);
            } else if (command instanceof CallCommand.BridgeConnections bridge) {
                meetings.bridge(bridge);
            } else if (command instanceof CallCommand.ReleaseConnection release) {
                meetings.release(release);
            } else {
                throw new MalformedMessage("switch command", new IllegalArgumentException(
                        command.getClass().getSimpleName() + " is a carrier's command, not the VoIP switch's"));
            }
        } catch (MalformedMessage unreadable) {
            throw unreadable;
        } catch (RuntimeException failure) {
            int tries = receiveCount(message);
            boolean setUp = !(command instanceof CallCommand.ReleaseConnection);
            if (setUp && tries >= MAX_TRIES) {
                meetings.giveUp(command, failure);
                return;
            }
            int delay = Math.min(1 << (tries - 1), 30);
            LOG.log(Level.WARNING, () -> "Switch: call " + command.callId() + ": " + command.getClass().getSimpleName()
                    + " failed (try " + tries + " of " + MAX_TRIES + "), again in " + delay + " s: " + failure);
            retryDelay.retryIn(message, delay);
            throw failure;
        }
    }

    private static int receiveCount(SQSMessage message) {
        try {
            return Math.max(1, Integer.parseInt(message.getAttributes().get("ApproximateReceiveCount")));
        } catch (RuntimeException unknown) {
            return 1;
        }
    }
}
