package dev.calling.resilience;

import dev.calling.core.call.Call;
import dev.calling.core.call.CallState;
import dev.calling.core.call.PartyNotifier;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Told of every stored change of a call, as the parties' apps are (after the change is written
 * and its commands issued; again on a redelivery): when each call was first seen RINGING,
 * CONNECTED and ENDED, by this JVM's clock, and a future that completes when the call has ended.
 * Progress only: the suites' verdicts come from reading the tables.
 */
public final class CallTracker implements PartyNotifier {

    /** What was seen of one call; times are {@link System#nanoTime()}, 0 until seen. */
    public static final class Seen {
        volatile long ringingNanos;
        volatile long connectedNanos;
        volatile long endedNanos;
        volatile Call last;
        final CompletableFuture<Call> ended = new CompletableFuture<>();

        public long ringingNanos() {
            return ringingNanos;
        }

        public long connectedNanos() {
            return connectedNanos;
        }

        public long endedNanos() {
            return endedNanos;
        }

        public Call last() {
            return last;
        }

        public CompletableFuture<Call> ended() {
            return ended;
        }
    }

    private final Map<String, Seen> calls = new ConcurrentHashMap<>();
    private final LongAdder notifications = new LongAdder();

    /** The record of a call, created when the driver places it (or when first notified). */
    public Seen of(String callId) {
        return calls.computeIfAbsent(callId, id -> new Seen());
    }

    @Override
    public void callChanged(Call call) {
        notifications.increment();
        Seen seen = of(call.callId());
        long now = System.nanoTime();
        Call last = seen.last;
        if (last == null || call.version() >= last.version()) {
            seen.last = call;
        }
        if (call.state() == CallState.RINGING && seen.ringingNanos == 0) {
            seen.ringingNanos = now;
        }
        if (call.answeredAt() != null && seen.connectedNanos == 0) {
            seen.connectedNanos = now;
        }
        if (call.state() == CallState.ENDED) {
            if (seen.endedNanos == 0) {
                seen.endedNanos = now;
            }
            seen.ended.complete(call);
        }
    }

    /** Changes notified so far (what the apps would have been pushed, per party). */
    public long notifications() {
        return notifications.sum();
    }
}
