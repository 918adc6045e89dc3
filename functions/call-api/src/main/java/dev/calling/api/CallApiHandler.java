package dev.calling.api;

import dev.calling.adapters.lambda.LogContext;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/** The CallApi Lambda: an API Gateway HTTP API request (payload 2.0) in, a JSON or problem+json response out. */
@Named("CallApi")
public class CallApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private final CallApi api;

    @Inject
    public CallApiHandler(CallApi api) {
        this.api = api;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try (LogContext logged = LogContext.event("CallApi", context,
                event.getRequestContext() == null ? null : event.getRequestContext().getRequestId())) {
            return api.handle(event);
        }
    }
}
