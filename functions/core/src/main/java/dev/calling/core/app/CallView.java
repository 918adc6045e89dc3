package dev.calling.core.app;

import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallState;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.RouteKind;
import java.time.Instant;

/**
 * A call as one of its parties' apps sees it. {@code phoneNumber} is shown only for a call placed
 * to a number (a user reached on their phone keeps their number private); {@code version} grows
 * with every change, so an app keeps the highest it has seen when pushes and polls cross.
 *
 * @param route VOIP or PSTN once routed, null before
 * @param version 0 while the call state manager has not stored the call yet
 */
public record CallView(String callId, Direction direction, String callerUserId, String calleeUserId,
        String phoneNumber, CallState state, EndReason endReason, RouteKind route, Instant requestedAt,
        Instant answeredAt, Instant endedAt, long version) {

    public enum Direction { OUTGOING, INCOMING }

    /** The call as {@code viewerUserId} (its caller or callee) sees it. */
    public static CallView of(Call call, String viewerUserId) {
        return new CallView(call.callId(), direction(call.callerUserId(), viewerUserId), call.callerUserId(),
                call.calleeUserId(), call.calleeUserId() == null ? call.dialledNumber() : null, call.state(),
                call.endReason(), call.route(), call.requestedAt(), call.answeredAt(), call.endedAt(), call.version());
    }

    /** A call placed but not yet taken up by the call state manager. */
    public static CallView requested(CallRequested request, String viewerUserId) {
        return new CallView(request.callId(), direction(request.callerUserId(), viewerUserId), request.callerUserId(),
                request.calleeUserId(), request.dialledNumber(), CallState.REQUESTED, null, null, request.at(), null,
                null, 0);
    }

    private static Direction direction(String callerUserId, String viewerUserId) {
        return callerUserId.equals(viewerUserId) ? Direction.OUTGOING : Direction.INCOMING;
    }
}
