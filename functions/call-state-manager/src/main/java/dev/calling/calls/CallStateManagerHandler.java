package dev.calling.calls;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.lambda.LogContext;
import dev.calling.adapters.lambda.SqsBatchProcessor;
import dev.calling.adapters.sqs.SqsDeadLetters;
import dev.calling.adapters.sqs.SqsTimers;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallStateManager;
import dev.calling.core.call.Outcome;
import dev.calling.core.privacy.LogMasking;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.lang.System.Logger.Level;

/**
 * The CallStateManager Lambda. Two event sources feed it: the {@code call-state-changes} FIFO
 * queue, whose events it applies to the call records, and the {@code call-timers} queue, whose due
 * timers it relays into their call's message group on the FIFO queue (so one call's changes are
 * always made in order, by one consumer).
 */
@Named("CallStateManager")
public class CallStateManagerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private static final System.Logger LOG = System.getLogger(CallStateManagerHandler.class.getName());

    private final CallStateManager manager;
    private final SqsTimers timers;
    private final SqsBatchProcessor batch;

    @Inject
    public CallStateManagerHandler(CallStateManager manager, SqsTimers timers, SqsDeadLetters deadLetters) {
        this.manager = manager;
        this.timers = timers;
        this.batch = new SqsBatchProcessor("CallStateManager", Resources.CALL_STATE_CHANGES.maxReceiveCount(),
                deadLetters);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return batch.process(event, context, message -> {
            CallEvent callEvent = Json.readCallEvent(message.getBody());
            LogContext.call(callEvent.callId());
            if (SqsTimers.isTimerQueue(message.getEventSourceArn())) {
                timers.relay(callEvent);
            } else {
                handle(callEvent);
            }
        });
    }

    private void handle(CallEvent event) {
        Outcome outcome = manager.handle(event);
        LogContext.field("event", event.getClass().getSimpleName());
        LogContext.field("outcome", outcome.kind());
        LOG.log(Level.INFO, () -> "call " + event.callId() + ": " + event.getClass().getSimpleName() + " "
                + outcome.kind() + " (" + LogMasking.text(outcome.note()) + ")");
    }
}
