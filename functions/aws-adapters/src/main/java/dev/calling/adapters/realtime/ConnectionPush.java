package dev.calling.adapters.realtime;

import java.lang.System.Logger.Level;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;

/**
 * Posts a message to one app connection through the WebSocket API's management endpoint
 * (PostToConnection), best effort: a connection that has gone (410) is the session service's
 * business, any other failure is logged (without the message, which may hold a credential) and
 * never thrown; apps catch up by reading through the call API.
 */
public final class ConnectionPush {

    private static final System.Logger LOG = System.getLogger(ConnectionPush.class.getName());

    private final ApiGatewayManagementApiClient api;

    public ConnectionPush(ApiGatewayManagementApiClient api) {
        this.api = api;
    }

    /** Returns whether the connection took the message. */
    public boolean post(String connectionId, String message) {
        try {
            api.postToConnection(r -> r.connectionId(connectionId).data(SdkBytes.fromUtf8String(message)));
            return true;
        } catch (GoneException gone) {
            LOG.log(Level.DEBUG, () -> "connection " + connectionId + " has gone");
        } catch (SdkException e) {
            LOG.log(Level.WARNING, "push to connection " + connectionId + " failed: " + e.getMessage());
        }
        return false;
    }
}
