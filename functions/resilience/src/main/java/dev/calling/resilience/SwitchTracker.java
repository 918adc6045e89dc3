package dev.calling.resilience;

import dev.calling.adapters.realtime.MediaJoinPush;
import dev.calling.core.app.MediaJoin;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallState;
import dev.calling.core.call.PartyNotifier;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * For {@link ChimeSwitchLoad}: told of every stored change of a call (as the apps are, after the
 * change is written and its commands issued) and of every media join info the switch hands out
 * (after the apps' push), and keeps, per call the driver placed, when each was first seen by this
 * JVM's {@link System#nanoTime()} clock. Calls the driver did not place are ignored.
 */
final class SwitchTracker implements PartyNotifier, MediaJoinPush {

    /** One placed call: futures complete with the nanoTime they were first seen at (the ended one with the call). */
    static final class Trace {
        final String callId;
        final String callerUserId;
        final String calleeUserId;
        volatile long requestedNanos;
        volatile long answerSentNanos;
        final CompletableFuture<Long> ringing = new CompletableFuture<>();
        final CompletableFuture<Long> connected = new CompletableFuture<>();
        final CompletableFuture<Long> callerJoin = new CompletableFuture<>();
        final CompletableFuture<Long> calleeJoin = new CompletableFuture<>();
        final CompletableFuture<Call> ended = new CompletableFuture<>();
        volatile long endedNanos;

        Trace(String callId, String callerUserId, String calleeUserId) {
            this.callId = callId;
            this.callerUserId = callerUserId;
            this.calleeUserId = calleeUserId;
        }

        /** nanoTime the future completed with, or -1 if it has not. */
        static long at(CompletableFuture<Long> seen) {
            return seen.isDone() && !seen.isCompletedExceptionally() ? seen.join() : -1;
        }
    }

    private final Map<String, Trace> calls = new ConcurrentHashMap<>();
    private final LongAdder joins = new LongAdder();
    private final LongAdder repeatedJoins = new LongAdder();
    private final LongAdder strangerJoins = new LongAdder();

    /** Starts tracking a call about to be placed. */
    Trace begin(String callId, String callerUserId, String calleeUserId) {
        Trace trace = new Trace(callId, callerUserId, calleeUserId);
        calls.put(callId, trace);
        return trace;
    }

    @Override
    public void callChanged(Call call) {
        Trace trace = calls.get(call.callId());
        if (trace == null) {
            return;
        }
        long now = System.nanoTime();
        if (call.state() == CallState.RINGING) {
            trace.ringing.complete(now);
        }
        if (call.answeredAt() != null) {
            trace.connected.complete(now);
        }
        if (call.state() == CallState.ENDED) {
            if (trace.endedNanos == 0) {
                trace.endedNanos = now;
            }
            trace.ended.complete(call);
        }
    }

    @Override
    public void deliver(MediaJoin join) {
        long now = System.nanoTime();
        joins.increment();
        Trace trace = calls.get(join.callId());
        if (trace == null) {
            return;
        }
        CompletableFuture<Long> party = join.userId().equals(trace.callerUserId) ? trace.callerJoin
                : join.userId().equals(trace.calleeUserId) ? trace.calleeJoin : null;
        if (party == null) {
            strangerJoins.increment(); // must not happen: join info only for the call's parties
        } else if (!party.complete(now)) {
            repeatedJoins.increment(); // a redelivered command hands the same join out again
        }
    }

    /** Join infos handed out in all. */
    long joins() {
        return joins.sum();
    }

    /** Join infos handed out again to a party that already had one (redelivered commands). */
    long repeatedJoins() {
        return repeatedJoins.sum();
    }

    /** Join infos handed to a user who is not a party of the call (must be 0). */
    long strangerJoins() {
        return strangerJoins.sum();
    }
}
