package dev.calling.embedded;

import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/** SDK interceptors that make a DynamoDB client fail the way a Lambda process or a network does. */
final class FailingDynamoDb {

    private FailingDynamoDb() {}

    /** What a process that died throws: nothing it would have sent next reaches DynamoDB. */
    static final class Died extends RuntimeException {
        Died(String message) {
            super(message);
        }
    }

    /**
     * The process dies just before the {@code occurrence}-th request of one type (PutItem,
     * UpdateItem, …) counted from {@link #before}, so everything sent earlier happened and nothing
     * from then on does: every later request of this client fails too, until {@link #revive}.
     */
    static final class Crash implements ExecutionInterceptor {

        private Class<? extends SdkRequest> type;
        private int occurrence;
        private int seen;
        private boolean dead;

        synchronized Crash before(Class<? extends SdkRequest> requestType, int nth) {
            type = requestType;
            occurrence = nth;
            seen = 0;
            dead = false;
            return this;
        }

        synchronized void revive() {
            type = null;
            dead = false;
        }

        synchronized boolean died() {
            return dead;
        }

        @Override
        public synchronized void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            SdkRequest request = context.request();
            if (!dead && type != null && type.isInstance(request) && ++seen == occurrence) {
                dead = true;
            }
            if (dead) {
                throw new Died("died before sending " + request.getClass().getSimpleName());
            }
        }
    }

    /**
     * The first account write (an UpdateItem that SETs, not a pending removal) after {@link #arm}
     * lands in DynamoDB but its answer is lost, and the SDK's retry of it reaches DynamoDB again: the
     * request is sent once through {@code healthy}, then once more as itself.
     */
    static final class LostAnswer implements ExecutionInterceptor {

        private final DynamoDbClient healthy;
        private boolean armed;
        private boolean delivered;

        LostAnswer(DynamoDbClient healthy) {
            this.healthy = healthy;
        }

        synchronized void arm() {
            armed = true;
            delivered = false;
        }

        synchronized boolean delivered() {
            return delivered;
        }

        @Override
        public synchronized void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (armed && context.request() instanceof UpdateItemRequest update
                    && update.updateExpression().startsWith("SET")) {
                armed = false;
                healthy.updateItem(update);
                delivered = true;
            }
        }
    }
}
