package dev.calling.operator;

import com.amazonaws.services.lambda.runtime.Context;
import dev.calling.adapters.lambda.LogContext;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/** The OperatorApi Lambda: an IAM-authorised API Gateway HTTP API request (payload 2.0) in, JSON or problem+json out. */
@Named("OperatorApi")
public class OperatorApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private final OperatorApi api;

    @Inject
    public OperatorApiHandler(OperatorApi api) {
        this.api = api;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try (LogContext logged = LogContext.event("OperatorApi", context,
                event.getRequestContext() == null ? null : event.getRequestContext().getRequestId())) {
            return api.handle(event);
        }
    }
}
