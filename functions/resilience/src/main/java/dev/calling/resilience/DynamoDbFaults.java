package dev.calling.resilience;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Faults on the functions' DynamoDB client, as an SDK interceptor:
 * <ul>
 * <li><b>throttling the SDK absorbs</b>: the first one or two HTTP attempts of a call fail with
 * {@code ProvisionedThroughputExceededException} before they are sent (thrown from
 * {@code beforeTransmission}, inside the SDK's retry loop), so the SDK backs off and retries;</li>
 * <li><b>throttling that reaches the handler</b>: the call fails with the same exception as if the
 * SDK had used up its retries. It is thrown from {@code beforeExecution}, outside the retry loop,
 * so it fails at once instead of after the SDK's full back-off (up to about a minute for DynamoDB's
 * defaults), which would only slow the run down; the message fails and is redelivered;</li>
 * <li><b>a handler that dies between two writes</b>: a PutItem on the {@code calls} table, or any
 * write on {@code accounts} (the account's money write, a ledger line, an idempotency marker, the
 * clearing of its pending lines: every step of a top-up, reservation or settlement) succeeds in
 * DynamoDB, then the call throws ({@code afterExecution}) as if the function had crashed right after
 * it: the transition's commands (the record's outbox) are not issued, and the money movement's
 * remaining writes are not made, until the event comes back.</li>
 * </ul>
 * Decisions use one seeded generator, so a run's mix is repeatable (the interleaving is not).
 */
public final class DynamoDbFaults implements ExecutionInterceptor {

    /** Thrown after a successful write: the function "died" there. */
    public static final class HandlerDied extends RuntimeException {
        HandlerDied(String what) {
            super("injected: the function died right after " + what);
        }
    }

    /**
     * @param throttledThenRetried share of calls whose first attempts are throttled (the SDK retries)
     * @param throttledToHandler share of calls that fail with throttling (the message is retried)
     * @param diesAfterCallWrite share of PutItems on {@code calls} after which the function dies
     * @param diesAfterAccountWrite share of writes (PutItem, UpdateItem) on {@code accounts} after which the function dies
     */
    public record Rates(double throttledThenRetried, double throttledToHandler, double diesAfterCallWrite,
            double diesAfterAccountWrite) {
        public static Rates none() {
            return new Rates(0, 0, 0, 0);
        }
    }

    private static final ExecutionAttribute<Integer> THROTTLES_LEFT = new ExecutionAttribute<>("injected-throttles");

    /**
     * A run with a call-write death rate has its first death at the latest on this PutItem on {@code calls}: a
     * trimmed run (tens of calls at 1 %) would otherwise go without this fault about one time in ten. Later deaths
     * are chance alone, so a long run's rate is unchanged.
     */
    static final int FIRST_CALL_WRITE_DEATH_AT_LATEST = 40;

    private final SplittableRandom random;
    private final FaultCounts counts;
    private final AtomicInteger callWritesBeforeFirstDeath = new AtomicInteger();
    private volatile Rates rates = Rates.none();

    public DynamoDbFaults(long seed, FaultCounts counts) {
        this.random = new SplittableRandom(seed);
        this.counts = counts;
    }

    public void rates(Rates rates) {
        this.rates = rates;
    }

    private synchronized double next() {
        return random.nextDouble();
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        Rates now = rates;
        if (now.throttledToHandler() > 0 && next() < now.throttledToHandler()) {
            counts.add("DynamoDB throttling, failed to the handler");
            throw throttled();
        }
        if (now.throttledThenRetried() > 0 && next() < now.throttledThenRetried()) {
            attributes.putAttribute(THROTTLES_LEFT, next() < 0.5 ? 1 : 2);
        }
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        Integer left = attributes.getAttribute(THROTTLES_LEFT);
        if (left != null && left > 0) {
            attributes.putAttribute(THROTTLES_LEFT, left - 1);
            counts.add("DynamoDB throttling, retried by the SDK");
            throw throttled();
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        Rates now = rates;
        SdkRequest request = context.request();
        if (request instanceof PutItemRequest put && put.tableName().equals("calls") && now.diesAfterCallWrite() > 0
                && diesAfterThisCallWrite(now)) {
            counts.add("function died after writing a call record");
            throw new HandlerDied("writing call record " + put.item().get("callId").s() + " (version "
                    + put.item().get("version").n() + ")");
        }
        if ((request instanceof PutItemRequest || request instanceof UpdateItemRequest) && now.diesAfterAccountWrite() > 0
                && "accounts".equals(RequestCounter.target(request)) && next() < now.diesAfterAccountWrite()) {
            String what = request instanceof UpdateItemRequest ? "an account update" : "a ledger line or marker";
            counts.add("function died after " + what);
            throw new HandlerDied(what);
        }
    }

    /** By chance, or if none has died yet, on the {@link #FIRST_CALL_WRITE_DEATH_AT_LATEST}th call write. */
    private boolean diesAfterThisCallWrite(Rates now) {
        boolean first = callWritesBeforeFirstDeath.get() >= 0;
        boolean dies = next() < now.diesAfterCallWrite()
                || first && callWritesBeforeFirstDeath.incrementAndGet() >= FIRST_CALL_WRITE_DEATH_AT_LATEST;
        if (dies) {
            callWritesBeforeFirstDeath.set(-1);
        }
        return dies;
    }

    private static ProvisionedThroughputExceededException throttled() {
        return (ProvisionedThroughputExceededException) ProvisionedThroughputExceededException.builder()
                .message("injected: throughput exceeded").statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ProvisionedThroughputExceededException")
                        .errorMessage("injected: throughput exceeded").serviceName("DynamoDb").build())
                .build();
    }
}
