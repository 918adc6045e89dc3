package dev.calling.core.call;

import dev.calling.core.routing.Route;
import java.time.Instant;
import java.util.List;

/** Port: provider routing as the call state manager asks it, once per call. */
public interface CallRouter {

    Route route(CallEvent.CallRequested request, List<String> calleeLiveConnections, List<String> calleeDeviceIds,
            Instant now);

    /** For a callee without devices registered for push. */
    default Route route(CallEvent.CallRequested request, List<String> calleeLiveConnections, Instant now) {
        return route(request, calleeLiveConnections, List.of(), now);
    }
}
