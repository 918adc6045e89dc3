package dev.calling.resilience;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;

/**
 * Sits between each event source and its function (see {@code LocalSystem.Instrumentation}):
 * counts invocations, records and time per function (for the Lambda part of the cost), and can
 * misdeliver batches the way SQS and Lambda do:
 * <ul>
 * <li><b>batch delivered twice</b>: the function gets the same batch twice in a row;</li>
 * <li><b>batch delivered twice in parallel</b>: two invocations handle the same batch at the same
 * time (as when a message's visibility timeout runs out while it is still being handled), so
 * their conditional writes race on the same items;</li>
 * <li><b>processed, then lost</b>: the function handles the batch, then every message is reported
 * failed, as if the invocation had timed out after its work or the event source's deletes were
 * lost: SQS hands the whole batch out again after the visibility timeout.</li>
 * </ul>
 */
public final class FunctionTap implements BiFunction<String, RequestHandler<SQSEvent, SQSBatchResponse>,
        RequestHandler<SQSEvent, SQSBatchResponse>> {

    /** Shares of invocations (batches) misdelivered, per kind. */
    public record Rates(double twice, double twiceInParallel, double processedThenLost) {
        public static Rates none() {
            return new Rates(0, 0, 0);
        }
    }

    /** Per function: invocations, records handed in, nanoseconds spent. */
    public record Usage(long invocations, long records, long nanos) {
        public double averageMillis() {
            return invocations == 0 ? 0 : nanos / 1e6 / invocations;
        }

        Usage minus(Usage earlier) {
            return new Usage(invocations - earlier.invocations, records - earlier.records, nanos - earlier.nanos);
        }
    }

    private final SplittableRandom random;
    private final FaultCounts counts;
    private final Set<String> faulty;
    private final Map<String, LongAdder[]> usage = new ConcurrentHashMap<>();
    private volatile Rates rates = Rates.none();

    /** @param faulty the event sources (by name) whose batches may be misdelivered */
    public FunctionTap(long seed, FaultCounts counts, Set<String> faulty) {
        this.random = new SplittableRandom(seed);
        this.counts = counts;
        this.faulty = Set.copyOf(faulty);
    }

    public void rates(Rates rates) {
        this.rates = rates;
    }

    private synchronized double next() {
        return random.nextDouble();
    }

    @Override
    public RequestHandler<SQSEvent, SQSBatchResponse> apply(String name, RequestHandler<SQSEvent, SQSBatchResponse> function) {
        LongAdder[] counters = usage.computeIfAbsent(name, k -> new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder()});
        RequestHandler<SQSEvent, SQSBatchResponse> timed = (event, context) -> {
            long start = System.nanoTime();
            try {
                return function.handleRequest(event, context);
            } finally {
                counters[0].increment();
                counters[1].add(event.getRecords() == null ? 0 : event.getRecords().size());
                counters[2].add(System.nanoTime() - start);
            }
        };
        if (!faulty.contains(name)) {
            return timed;
        }
        return (event, context) -> {
            Rates now = rates;
            double roll = next();
            int size = event.getRecords().size();
            if (roll < now.twice()) {
                counts.add("batch delivered twice (" + name + ")");
                counts.add("messages delivered twice", size);
                return merge(event, timed.handleRequest(event, context), timed.handleRequest(event, context));
            }
            roll -= now.twice();
            if (roll < now.twiceInParallel()) {
                counts.add("batch delivered twice in parallel (" + name + ")");
                counts.add("messages delivered twice", size);
                CompletableFuture<SQSBatchResponse> other = CompletableFuture.supplyAsync(
                        () -> timed.handleRequest(event, context));
                SQSBatchResponse mine = timed.handleRequest(event, context);
                return merge(event, mine, other.join());
            }
            roll -= now.twiceInParallel();
            if (roll < now.processedThenLost()) {
                counts.add("batch processed then redelivered (" + name + ")");
                counts.add("messages redelivered after processing", size);
                timed.handleRequest(event, context);
                return allFailed(event);
            }
            return timed.handleRequest(event, context);
        };
    }

    private static SQSBatchResponse merge(SQSEvent event, SQSBatchResponse a, SQSBatchResponse b) {
        Set<String> failed = new LinkedHashSet<>();
        for (SQSBatchResponse response : List.of(a, b)) {
            if (response != null && response.getBatchItemFailures() != null) {
                response.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
            }
        }
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        failed.forEach(id -> failures.add(SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(id).build()));
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }

    private static SQSBatchResponse allFailed(SQSEvent event) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        event.getRecords().forEach(m -> failures.add(
                SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(m.getMessageId()).build()));
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }

    /** Usage per function so far. */
    public Map<String, Usage> usage() {
        Map<String, Usage> copy = new TreeMap<>();
        usage.forEach((name, c) -> copy.put(name, new Usage(c[0].sum(), c[1].sum(), c[2].sum())));
        return copy;
    }

    /** Usage between two readings. */
    public static Map<String, Usage> between(Map<String, Usage> earlier, Map<String, Usage> later) {
        Map<String, Usage> d = new TreeMap<>();
        later.forEach((name, u) -> d.put(name, u.minus(earlier.getOrDefault(name, new Usage(0, 0, 0)))));
        return d;
    }
}
