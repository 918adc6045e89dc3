package dev.calling.carrier.chime;

import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Test helper: an SDK interceptor that makes a real client's requests of one type fail before they are
 * sent (DynamoDB or SQS unreachable for that request), from {@link #fail} until {@link #heal}.
 */
final class FailingRequests implements ExecutionInterceptor {

    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    private Class<? extends SdkRequest> type;

    synchronized void fail(Class<? extends SdkRequest> requestType) {
        type = requestType;
    }

    synchronized void heal() {
        type = null;
    }

    @Override
    public synchronized void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (type != null && type.isInstance(context.request())) {
            throw new Refused(context.request().getClass().getSimpleName() + " failed (injected)");
        }
    }
}
