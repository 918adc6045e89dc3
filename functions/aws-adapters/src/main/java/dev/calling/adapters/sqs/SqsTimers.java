package dev.calling.adapters.sqs;

import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.TimerPort;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Timers on the standard {@code call-timers} queue with a per-message delay, relayed into the
 * call's message group on {@code call-state-changes} when due.
 *
 * <p>Why a second queue: FIFO queues have no per-message delay. Why not EventBridge Scheduler: it
 * would work in AWS (one-time schedules targeting the FIFO queue) but has no emulator that runs
 * here, costs a schedule create and delete per call, and adds a service; an SQS delay costs one
 * send and runs the same on ElasticMQ. Why relay instead of handling the timer where it arrives:
 * then every change of a call is made by one consumer, in order, so a transition's commands are
 * always issued before the call's next event is handled. SQS caps a delay at 15 minutes, so a
 * timer due later is sent round again with the remaining delay.
 */
public final class SqsTimers implements TimerPort {

    static final Duration MAX_DELAY = Duration.ofMinutes(15);

    /**
     * No timer of a call is due further ahead than this (the longest call is hours): one that is cannot
     * be ours, and is dropped rather than sent round every 15 minutes for ever.
     */
    public static final Duration HORIZON = Duration.ofDays(2);

    private static final System.Logger LOG = System.getLogger(SqsTimers.class.getName());

    private final SqsClient sqs;
    private final String queueUrl;
    private final SqsCallStateChanges callStateChanges;
    private final Clock clock;

    public SqsTimers(SqsClient sqs, String queueUrl, SqsCallStateChanges callStateChanges, Clock clock) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.callStateChanges = callStateChanges;
        this.clock = clock;
    }

    /** The name of the queue timers arrive on, to tell them from call events. */
    public static boolean isTimerQueue(String eventSourceArn) {
        return QueueArn.names(eventSourceArn, dev.calling.adapters.Resources.CALL_TIMERS);
    }

    @Override
    public void schedule(CallCommand.Timer timer) {
        send(timer.event());
    }

    /** A timer message arrived: if due, hand it to its call on the FIFO queue; if early, delay it again. */
    public void relay(CallEvent timer) {
        if (timer.at().isAfter(clock.instant().plus(HORIZON))) {
            LOG.log(System.Logger.Level.WARNING, () -> "dropped timer " + timer.eventId() + " due " + timer.at()
                    + ": beyond the " + HORIZON.toDays() + "-day horizon of any call's timer");
            return;
        }
        if (timer.at().isAfter(clock.instant())) {
            send(timer);
        } else {
            callStateChanges.publish(timer);
        }
    }

    private void send(CallEvent timer) {
        int delay = delaySeconds(timer.at(), clock.instant());
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(Json.write(timer)).delaySeconds(delay));
    }

    static int delaySeconds(Instant due, Instant now) {
        long millis = Duration.between(now, due).toMillis();
        long seconds = (millis + 999) / 1000;
        return (int) Math.max(0, Math.min(seconds, MAX_DELAY.toSeconds()));
    }
}
