package dev.calling.resilience;

import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallEvent;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The route of the simulated switch's sequenced reports (see {@code SimulatedSwitch.routeReports})
 * when the switch or carrier misbehaves:
 * <ul>
 * <li><b>duplicated</b>: the same report (same event id, same body) is sent again a moment later
 * under a new SQS deduplication id, as a carrier that retries its callback does, so SQS FIFO's own
 * five-minute deduplication does not catch it and the call state manager sees it twice;</li>
 * <li><b>reordered</b>: a report is held back until the call's next report has been sent (or
 * {@code maxHold} has passed), so it arrives after a report with a higher sequence number;</li>
 * <li><b>lost for good</b>: a carrier's report (of a call {@code lossy} names: the PSTN calls, whose
 * reports are webhooks a carrier may give up on) is never sent at all.</li>
 * </ul>
 */
public final class ReportChaos implements UnaryOperator<Consumer<CallEvent>> {

    private record Held(CallEvent event, AtomicBoolean released) {}

    private final SplittableRandom random;
    private final FaultCounts counts;
    private final SqsClient sqs;
    private final String callStateChangesUrl;
    private final ScheduledExecutorService scheduler;
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private volatile double duplicate;
    private volatile double reorder;
    private volatile Duration maxHold = Duration.ofMillis(800);
    private volatile double lose;
    private volatile java.util.function.Predicate<String> lossy = callId -> false;

    public ReportChaos(long seed, FaultCounts counts, SqsClient sqs, String callStateChangesUrl,
            ScheduledExecutorService scheduler) {
        this.random = new SplittableRandom(seed);
        this.counts = counts;
        this.sqs = sqs;
        this.callStateChangesUrl = callStateChangesUrl;
        this.scheduler = scheduler;
    }

    /** A share {@code rate} of the reports of calls that {@code lossyCalls} names is lost for good. */
    public void losing(double rate, java.util.function.Predicate<String> lossyCalls) {
        this.lose = rate;
        this.lossy = lossyCalls;
    }

    public void rates(double duplicateRate, double reorderRate, Duration hold) {
        this.duplicate = duplicateRate;
        this.reorder = reorderRate;
        this.maxHold = hold;
    }

    private synchronized double next() {
        return random.nextDouble();
    }

    @Override
    public Consumer<CallEvent> apply(Consumer<CallEvent> normal) {
        return event -> {
            if (lose > 0 && lossy.test(event.callId()) && next() < lose) {
                counts.add("carrier reports lost for good");
                return;
            }
            Held earlier = held.remove(event.callId());
            if (earlier != null && earlier.released().compareAndSet(false, true)) {
                normal.accept(event);
                normal.accept(earlier.event());
                counts.add("switch reports reordered (a later one overtook)");
            } else if (next() < reorder) {
                Held hold = new Held(event, new AtomicBoolean());
                held.put(event.callId(), hold);
                scheduler.schedule(() -> {
                    if (hold.released().compareAndSet(false, true)) {
                        held.remove(event.callId(), hold);
                        normal.accept(event);
                        counts.add("switch reports delayed (no later one came)");
                    }
                }, maxHold.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } else {
                normal.accept(event);
            }
            if (next() < duplicate) {
                long delay = (long) (next() * 1500);
                scheduler.schedule(() -> sendAgain(event), delay, TimeUnit.MILLISECONDS);
            }
        };
    }

    private void sendAgain(CallEvent event) {
        String body = Json.write(event);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                sqs.sendMessage(r -> r.queueUrl(callStateChangesUrl).messageBody(body).messageGroupId(event.callId())
                        .messageDeduplicationId(UUID.randomUUID().toString()));
                counts.add("switch reports duplicated");
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    counts.add("switch report duplicates not sent (queue unreachable)");
                    return;
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
