package dev.calling.adapters.sqs;

import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallEvent.RingTimeoutElapsed;
import dev.calling.core.call.TimerPort;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Timers on the standard {@code call-timers} queue with a per-message delay.
 *
 * <p>Why not the FIFO queue: FIFO queues have no per-message delay. Why not EventBridge Scheduler:
 * it would work in AWS (one-time schedules targeting the FIFO queue) but has no emulator that runs
 * here, costs a schedule create and delete per call, and adds a service; SQS delays cost one send
 * and run the same on ElasticMQ. SQS caps a delay at 15 minutes, so a timer due later is re-armed
 * with the remaining delay when it arrives early ({@link #rearmIfEarly}).
 */
public final class SqsTimers implements TimerPort {

    static final Duration MAX_DELAY = Duration.ofMinutes(15);

    private final SqsClient sqs;
    private final String queueUrl;
    private final Clock clock;

    public SqsTimers(SqsClient sqs, String queueUrl, Clock clock) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.clock = clock;
    }

    @Override
    public void schedule(CallCommand.ScheduleRingTimeout command) {
        send(RingTimeoutElapsed.of(command.callId(), command.dueAt()));
    }

    /** @return true if the timer is not due yet and was sent again for the rest of its delay */
    public boolean rearmIfEarly(CallEvent timer) {
        if (!timer.at().isAfter(clock.instant())) {
            return false;
        }
        send(timer);
        return true;
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
