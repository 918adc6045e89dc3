package dev.calling.realtime;

import dev.calling.core.privacy.LogMasking;
import dev.calling.adapters.lambda.LogContext;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import dev.calling.realtime.RealtimeConnections.Reply;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.Map;

/**
 * The Realtime Lambda: the WebSocket API's {@code $connect}, {@code $disconnect} and
 * {@code $default} routes, told apart by {@code requestContext.eventType}. The user is the
 * {@code userId} that {@link RealtimeAuthorizer} put in the authorizer context on {@code $connect},
 * which API Gateway passes with every later route of that connection.
 */
@Named("Realtime")
public class Realtime implements RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> {

    private static final System.Logger LOG = System.getLogger(Realtime.class.getName());

    private final RealtimeConnections connections;

    @Inject
    public Realtime(RealtimeConnections connections) {
        this.connections = connections;
    }

    @Override
    public APIGatewayV2WebSocketResponse handleRequest(APIGatewayV2WebSocketEvent event, Context context) {
        APIGatewayV2WebSocketEvent.RequestContext request = event.getRequestContext();
        if (request == null) {
            return response(Reply.error(400, "not an API Gateway WebSocket event"));
        }
        try (LogContext logged = LogContext.event("Realtime", context, request.getRequestId())) {
            return handle(event, request);
        }
    }

    private APIGatewayV2WebSocketResponse handle(APIGatewayV2WebSocketEvent event,
            APIGatewayV2WebSocketEvent.RequestContext request) {
        String userId = userId(request.getAuthorizer());
        String connectionId = request.getConnectionId();
        String eventType = String.valueOf(request.getEventType());
        Reply reply = switch (eventType) {
            case "CONNECT" -> connections.connect(userId, connectionId, parameter(event, "device"),
                    epochMillis(request.getConnectedAt()));
            case "DISCONNECT" -> connections.disconnect(userId, connectionId, epochMillis(request.getRequestTimeEpoch()));
            case "MESSAGE" -> event.isIsBase64Encoded()
                    ? Reply.error(400, "binary frames are not accepted; send JSON text")
                    : connections.message(userId, connectionId, event.getBody(), epochMillis(request.getRequestTimeEpoch()));
            default -> Reply.error(400, "unknown event type " + eventType);
        };
        if (reply.statusCode() >= 400) {
            LOG.log(Level.WARNING, () -> eventType + " of connection " + connectionId + " (user " + userId
                    + ") refused " + reply.statusCode() + ": " + LogMasking.text(reply.body()));
        }
        return response(reply);
    }

    private static String userId(Map<String, Object> authorizer) {
        Object userId = authorizer == null ? null : authorizer.get(RealtimeAuthorizer.USER_ID);
        return userId == null ? null : userId.toString();
    }

    private static String parameter(APIGatewayV2WebSocketEvent event, String name) {
        Map<String, String> query = event.getQueryStringParameters();
        return query == null ? null : query.get(name);
    }

    // API Gateway's times are epoch millis; 0 means the field was absent.
    private static Instant epochMillis(long millis) {
        return millis > 0 ? Instant.ofEpochMilli(millis) : null;
    }

    private static APIGatewayV2WebSocketResponse response(Reply reply) {
        APIGatewayV2WebSocketResponse response = new APIGatewayV2WebSocketResponse();
        response.setStatusCode(reply.statusCode());
        response.setBody(reply.body());
        return response;
    }
}
