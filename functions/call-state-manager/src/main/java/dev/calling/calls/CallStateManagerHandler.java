package dev.calling.calls;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.lambda.SqsBatchProcessor;
import dev.calling.adapters.sqs.SqsTimers;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallStateManager;
import dev.calling.core.call.Outcome;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.lang.System.Logger.Level;

/**
 * The CallStateManager Lambda. Two event sources feed it: the {@code call-state-changes} FIFO
 * queue and the {@code call-timers} queue; both carry call events in the same format.
 */
@Named("CallStateManager")
public class CallStateManagerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private static final System.Logger LOG = System.getLogger(CallStateManagerHandler.class.getName());

    private final CallStateManager manager;
    private final SqsTimers timers;
    private final SqsBatchProcessor batch =
            new SqsBatchProcessor("CallStateManager", Resources.CALL_STATE_CHANGES.maxReceiveCount());

    @Inject
    public CallStateManagerHandler(CallStateManager manager, SqsTimers timers) {
        this.manager = manager;
        this.timers = timers;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return batch.process(event, message -> handle(Json.readCallEvent(message.getBody())));
    }

    private void handle(CallEvent event) {
        if (event instanceof CallEvent.RingTimeoutElapsed && timers.rearmIfEarly(event)) {
            return;
        }
        Outcome outcome = manager.handle(event);
        LOG.log(Level.INFO, () -> "call " + event.callId() + ": " + event.getClass().getSimpleName() + " "
                + outcome.kind() + " (" + outcome.note() + ")");
    }
}
