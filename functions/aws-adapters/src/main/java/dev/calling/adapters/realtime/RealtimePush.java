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
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;

/**
 * Pushes each change of a call to every live connection of its caller and callee through the
 * WebSocket API's management endpoint (PostToConnection); the local gateway serves the same
 * endpoint. The message is {@code {"type":"call","connectionId":<the receiving connection>,"call":<view>}}:
 * the connection id tells a callee's app which connection the call rang (to answer on).
 *
 * <p>Best effort by design ({@link ConnectionPush}): the change is already stored and apps re-read
 * a call when they reconnect. Media join info never travels here: it goes to its owner's
 * connection alone, from the switch.
 */
public final class RealtimePush implements PartyNotifier {

    private static final System.Logger LOG = System.getLogger(RealtimePush.class.getName());

    /** What an app receives. */
    public record CallPush(String type, String connectionId, CallView call) {
        public CallPush(String connectionId, CallView call) {
            this("call", connectionId, call);
        }
    }

    private final ConnectionPush connections;
    private final SessionDirectory sessions;
    private final Clock clock;

    public RealtimePush(ApiGatewayManagementApiClient api, SessionDirectory sessions, Clock clock) {
        this.connections = new ConnectionPush(api);
        this.sessions = sessions;
        this.clock = clock;
    }

    @Override
    public void callChanged(Call call) {
        List<String> parties = new ArrayList<>(List.of(call.callerUserId()));
        if (call.calleeUserId() != null && call.isSeenBy(call.calleeUserId())) { // not a callee who blocked the caller
            parties.add(call.calleeUserId());
        }
        Instant now = clock.instant();
        for (String userId : parties) {
            try {
                CallView view = CallView.of(call, userId);
                for (String connectionId : sessions.sessionsOf(userId).liveConnectionIds(now)) {
                    connections.post(connectionId, Json.writeView(new CallPush(connectionId, view)));
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "could not push call " + call.callId() + " to " + userId + ": " + e);
            }
        }
    }
}
