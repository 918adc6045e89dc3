package dev.calling.adapters.realtime;

import dev.calling.adapters.json.Json;
import dev.calling.core.app.CallView;
import dev.calling.core.call.Call;
import dev.calling.core.call.PartyNotifier;
import dev.calling.core.session.SessionDirectory;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;

/**
 * Pushes each change of a call to every live connection of its caller and callee through the
 * WebSocket API's management endpoint (PostToConnection); the local gateway serves the same
 * endpoint. The message is {@code {"type":"call","connectionId":<the receiving connection>,"call":<view>}}:
 * the connection id tells a callee's app which connection the call rang (to answer on).
 *
 * <p>Best effort by design: a connection that has gone (410) is the session service's business
 * (its disconnect or TTL removes it), and any other failure is logged, never thrown, because the
 * change is already stored and apps re-read a call when they reconnect.
 */
public final class RealtimePush implements PartyNotifier {

    private static final System.Logger LOG = System.getLogger(RealtimePush.class.getName());

    /** What an app receives. */
    public record CallPush(String type, String connectionId, CallView call) {
        public CallPush(String connectionId, CallView call) {
            this("call", connectionId, call);
        }
    }

    private final ApiGatewayManagementApiClient api;
    private final SessionDirectory sessions;
    private final Clock clock;

    public RealtimePush(ApiGatewayManagementApiClient api, SessionDirectory sessions, Clock clock) {
        this.api = api;
        this.sessions = sessions;
        this.clock = clock;
    }

    @Override
    public void callChanged(Call call) {
        List<String> parties = new ArrayList<>(List.of(call.callerUserId()));
        if (call.calleeUserId() != null) {
            parties.add(call.calleeUserId());
        }
        Instant now = clock.instant();
        for (String userId : parties) {
            try {
                CallView view = CallView.of(call, userId);
                for (String connectionId : sessions.sessionsOf(userId).liveConnectionIds(now)) {
                    post(connectionId, Json.writeView(new CallPush(connectionId, view)));
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "could not push call " + call.callId() + " to " + userId + ": " + e);
            }
        }
    }

    private void post(String connectionId, String message) {
        try {
            api.postToConnection(r -> r.connectionId(connectionId).data(SdkBytes.fromUtf8String(message)));
        } catch (GoneException gone) {
            LOG.log(Level.DEBUG, () -> "connection " + connectionId + " has gone");
        } catch (SdkException e) {
            LOG.log(Level.WARNING, "push to connection " + connectionId + " failed: " + e.getMessage());
        }
    }
}
