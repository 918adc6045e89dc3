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
 * @param silenced true on a call its callee silenced, in the callee's view; absent otherwise
 */
public record CallView(String callId, Direction direction, String callerUserId, String calleeUserId,
        String phoneNumber, CallState state, EndReason endReason, RouteKind route, Instant requestedAt,
        Instant answeredAt, Instant endedAt, long version, Boolean silenced) {

    public enum Direction { OUTGOING, INCOMING }

    /**
     * The call as {@code viewerUserId} (its caller or callee) sees it. To a callee who silenced it ({@link
     * Call#isSilenced}) it is a call missed when it was placed, {@code silenced: true}, whatever its caller sees.
     */
    public static CallView of(Call call, String viewerUserId) {
        Direction direction = direction(call.callerUserId(), viewerUserId);
        if (call.isSilenced() && direction == Direction.INCOMING) {
            return new CallView(call.callId(), direction, call.callerUserId(), call.calleeUserId(), null,
                    CallState.ENDED, EndReason.MISSED, call.route(), call.requestedAt(), null, call.requestedAt(),
                    call.version(), true);
        }
        return new CallView(call.callId(), direction, call.callerUserId(),
                call.calleeUserId(), call.calleeUserId() == null ? call.dialledNumber() : null, call.state(),
                call.endReason(), call.route(), call.requestedAt(), call.answeredAt(), call.endedAt(), call.version(),
                null);
    }

    /** A call placed but not yet taken up by the call state manager. */
    public static CallView requested(CallRequested request, String viewerUserId) {
        return new CallView(request.callId(), direction(request.callerUserId(), viewerUserId), request.callerUserId(),
                request.calleeUserId(), request.dialledNumber(), CallState.REQUESTED, null, null, request.at(), null,
                null, 0, null);
    }

    private static Direction direction(String callerUserId, String viewerUserId) {
        return callerUserId.equals(viewerUserId) ? Direction.OUTGOING : Direction.INCOMING;
    }
}
