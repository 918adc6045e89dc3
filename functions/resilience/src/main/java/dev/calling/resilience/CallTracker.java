package dev.calling.resilience;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallState;
import dev.calling.core.call.PartyNotifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Told of every stored change of a call, as the parties' apps are (after the change is written
 * and its commands issued; again on a redelivery): when each call was first seen RINGING,
 * CONNECTED and ENDED, by this JVM's clock, and a future that completes when the call has ended.
 * Progress only: the suites' verdicts come from reading the tables.
 *
 * <p>Apart from that, the simulated switch's own record of each call ({@link #switchTalk}), which
 * the verdict bills against: the tracker sits on the switch's report route
 * ({@link #switchReports}) and in front of the switch's function ({@link #switchCommands}), so it
 * sees what the switch reported and what the switch was told, never what the call state manager
 * made of it. See {@link SwitchTalk} for what counts as answered and hung up.
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

    /**
     * The talk the switch carried for one call, by our clock (the system UTC clock, read when the switch
     * makes each report: a carrier's own clock may be skewed). {@code answeredAt} is the instant of the
     * switch's first answer report
     * (the carrier leg or callee device picking up) of attempt {@code attempt}; {@code hungUpAt} the
     * earliest, not before the answer, of: the switch's own hang-up report of that attempt (either
     * party), the switch being told to hang that attempt's carrier leg up ({@code HangUpNumber}), or
     * to release the caller's connection ({@code ReleaseConnection}), which ends the whole call on
     * the switch. A PSTN caller's hang-up is not a switch report (the caller's app tells the system),
     * so for those calls the switch's talk ends when it is told to tear the leg down, which is when
     * a carrier stops counting.
     *
     * @param attempt the answered attempt, 0 when the switch never answered
     * @param answeredAt null when the switch never answered
     * @param hungUpAt null while the switch still carries the call (or never answered)
     */
    public record SwitchTalk(int attempt, Instant answeredAt, Instant hungUpAt) {

        /** Talk in whole seconds, any started second counting, up to {@code now} while still carried; 0 if never answered. */
        public long seconds(Instant now) {
            if (answeredAt == null) {
                return 0;
            }
            Instant end = hungUpAt != null ? hungUpAt : now;
            if (!end.isAfter(answeredAt)) {
                return 0;
            }
            long millis = Duration.between(answeredAt, end).toMillis();
            return (millis + 999) / 1000;
        }
    }

    /** The switch's view of one call, as far as the tracker saw it. */
    private static final class SwitchCall {
        /** What the switch reported and was handed, in order, by our clock: how a verdict's example is traced. */
        final List<String> log = new ArrayList<>();
        String callerConnectionId;
        int answeredAttempt;
        Instant answeredAt;
        /** Per attempt: the earliest hang-up report or leg teardown. */
        final Map<Integer, Instant> legDown = new HashMap<>();
        Instant callerReleasedAt;

        synchronized SwitchTalk talk() {
            if (answeredAt == null) {
                return new SwitchTalk(0, null, null);
            }
            Instant end = earliestFrom(answeredAt, legDown.get(answeredAttempt), callerReleasedAt);
            return new SwitchTalk(answeredAttempt, answeredAt, end);
        }

        private static Instant earliestFrom(Instant from, Instant a, Instant b) {
            Instant end = null;
            for (Instant t : new Instant[] {a, b}) {
                if (t != null && !t.isBefore(from) && (end == null || t.isBefore(end))) {
                    end = t;
                }
            }
            return end;
        }
    }

    private final Map<String, Seen> calls = new ConcurrentHashMap<>();
    private final Map<String, SwitchCall> switchCalls = new ConcurrentHashMap<>();
    private final LongAdder notifications = new LongAdder();
    private final Clock clock;

    public CallTracker() {
        this(Clock.systemUTC());
    }

    /** @param clock the switch's clock, to stamp the commands the switch is handed */
    public CallTracker(Clock clock) {
        this.clock = clock;
    }

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

    // --- the switch's own record ----------------------------------------------------------------

    /** What the switch reported and was handed for a call, in order ("HH:mm:ss.SSS what"), for a verdict's example. */
    public List<String> switchLog(String callId) {
        SwitchCall call = switchCalls.get(callId);
        if (call == null) {
            return List.of();
        }
        synchronized (call) {
            return List.copyOf(call.log);
        }
    }

    private void note(String callId, Instant at, String what) {
        SwitchCall call = switchCall(callId);
        synchronized (call) {
            if (call.log.size() < 40) {
                call.log.add(at.toString().substring(11, 23) + " " + what);
            }
        }
    }

    /** The switch's record of a call, or empty when the switch never heard of it (no report, no command). */
    public Optional<SwitchTalk> switchTalk(String callId) {
        SwitchCall call = switchCalls.get(callId);
        return call == null ? Optional.empty() : Optional.of(call.talk());
    }

    private SwitchCall switchCall(String callId) {
        return switchCalls.computeIfAbsent(callId, id -> new SwitchCall());
    }

    /** The switch reported attempt {@code attempt} answered {@code at}; only the first answer counts. */
    public void switchAnswered(String callId, int attempt, Instant at) {
        SwitchCall call = switchCall(callId);
        synchronized (call) {
            if (call.answeredAt == null) {
                call.answeredAttempt = attempt;
                call.answeredAt = at;
            }
        }
    }

    /** The switch reported a hang-up of attempt {@code attempt}, or was told to hang its leg up, {@code at}. */
    public void switchHungUp(String callId, int attempt, Instant at) {
        SwitchCall call = switchCall(callId);
        synchronized (call) {
            call.legDown.merge(attempt, at, (a, b) -> a.isBefore(b) ? a : b);
        }
    }

    private void switchReleased(String callId, String connectionId, Instant at) {
        SwitchCall call = switchCall(callId);
        synchronized (call) {
            if (connectionId.equals(call.callerConnectionId)
                    && (call.callerReleasedAt == null || at.isBefore(call.callerReleasedAt))) {
                call.callerReleasedAt = at;
            }
        }
    }

    private void callerConnection(String callId, String connectionId) {
        SwitchCall call = switchCall(callId);
        synchronized (call) {
            if (call.callerConnectionId == null) {
                call.callerConnectionId = connectionId;
            }
        }
    }

    /**
     * The switch's report route with the tracker in front: every report, as the switch makes it
     * (before any chaos delays or duplicates it), is noted, then goes on to {@code then}.
     */
    public Consumer<CallEvent> switchReports(Consumer<CallEvent> then) {
        return event -> {
            // Noted when they happen, by our clock: a carrier's clock may be skewed (the suite skews two).
            Instant now = clock.instant();
            note(event.callId(), now, "report " + event.getClass().getSimpleName() + " #" + event.attempt() + "."
                    + event.switchSequence());
            if (event instanceof CallEvent.CallAnswered answered) {
                switchAnswered(answered.callId(), answered.attempt(), now);
            } else if (event instanceof CallEvent.CallHungUp hungUp && hungUp.fromSwitch()) {
                switchHungUp(hungUp.callId(), hungUp.attempt(), now);
            }
            then.accept(event);
        };
    }

    /**
     * The switch's function with the tracker in front: each command is noted, stamped with the
     * switch's clock, as it is handed to the switch (again on a redelivery: the earliest counts).
     * Messages that are not commands (poison) pass on untouched.
     */
    public RequestHandler<SQSEvent, SQSBatchResponse> switchCommands(RequestHandler<SQSEvent, SQSBatchResponse> theSwitch) {
        return (event, context) -> {
            Instant now = clock.instant();
            if (event.getRecords() != null) {
                for (SQSEvent.SQSMessage message : event.getRecords()) {
                    CallCommand command;
                    try {
                        command = Json.readCallCommand(message.getBody());
                    } catch (RuntimeException notACommand) {
                        continue;
                    }
                    switchCommand(command, now);
                }
            }
            return theSwitch.handleRequest(event, context);
        };
    }

    private void switchCommand(CallCommand command, Instant at) {
        note(command.callId(), at, "handed " + command.getClass().getSimpleName()
                + (command instanceof CallCommand.ReleaseConnection release ? " " + release.connectionId() : ""));
        if (command instanceof CallCommand.RingCallee ring) {
            callerConnection(ring.callId(), ring.callerConnectionId());
        } else if (command instanceof CallCommand.DialNumber dial) {
            callerConnection(dial.callId(), dial.callerConnectionId());
        } else if (command instanceof CallCommand.BridgeToNumber bridge) {
            callerConnection(bridge.callId(), bridge.callerConnectionId());
        } else if (command instanceof CallCommand.BridgeConnections bridge) {
            callerConnection(bridge.callId(), bridge.callerConnectionId());
        } else if (command instanceof CallCommand.HangUpNumber hangUp) {
            switchHungUp(hangUp.callId(), hangUp.attempt(), at);
        } else if (command instanceof CallCommand.ReleaseConnection release) {
            switchReleased(release.callId(), release.connectionId(), at);
        }
    }
}
