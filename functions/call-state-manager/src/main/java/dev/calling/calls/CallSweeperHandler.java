package dev.calling.calls;

import dev.calling.adapters.lambda.LogContext;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.calling.adapters.sweeper.CallSweeper;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.util.Map;

/**
 * The CallSweeper Lambda: the call state manager's package with another handler
 * ({@code QUARKUS_LAMBDA_HANDLER=CallSweeper}), run by an EventBridge schedule. See {@link CallSweeper}.
 * The scheduled event's content is not read; any invocation sweeps once.
 */
@Named("CallSweeper")
public class CallSweeperHandler implements RequestHandler<Map<String, Object>, String> {

    private final CallSweeper sweeper;

    @Inject
    public CallSweeperHandler(CallSweeper sweeper) {
        this.sweeper = sweeper;
    }

    @Override
    public String handleRequest(Map<String, Object> event, Context context) {
        try (LogContext logged = LogContext.event("CallSweeper", context, LogContext.scheduledEventId(event))) {
            return sweeper.sweep().toString();
        }
    }
}
