package dev.calling.core.app;

import dev.calling.core.call.Call;
import dev.calling.core.call.CallStore;
import java.util.Objects;

/**
 * The apps' use case "how do I join this call's media": a party gets its own join info, never the
 * other party's; a stranger cannot tell the call exists.
 */
public final class CallMedia {

    private final CallStore calls;
    private final MediaDirectory media;

    public CallMedia(CallStore calls, MediaDirectory media) {
        this.calls = Objects.requireNonNull(calls);
        this.media = Objects.requireNonNull(media);
    }

    public MediaJoin of(String userId, String callId) {
        Call call = calls.find(callId).filter(c -> userId.equals(c.callerUserId()) || userId.equals(c.calleeUserId()))
                .orElseThrow(() -> new RequestRefused(Refusal.CALL_NOT_FOUND, "no call " + callId + " of yours"));
        if (call.isTerminal()) {
            throw new RequestRefused(Refusal.NO_MEDIA, "the call has ended (" + call.endReason() + "): no media to join");
        }
        return media.joinOf(callId, userId).orElseThrow(() -> new RequestRefused(Refusal.NO_MEDIA,
                "no media for you on this call yet: the caller's comes once it rings, the callee's once answered"));
    }
}
