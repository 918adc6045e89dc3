package dev.calling.core.call;

import dev.calling.core.session.SessionDirectory;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The call state manager's use case: take one call event, move the call record, then tell the
 * switch and the timers what to do.
 *
 * <p>The record and the commands of a transition are written together (the commands are the
 * record's outbox), and the commands run only after the write succeeds. If the handler dies after
 * the write, the redelivered event is recognised as a duplicate and the outbox is issued again;
 * every command is idempotent. A lost optimistic-lock race re-reads the record and decides again.
 */
public final class CallStateManager {

    static final int MAX_ATTEMPTS = 5;

    private final CallStore calls;
    private final SessionDirectory sessions;
    private final SwitchPort switchPort;
    private final TimerPort timers;
    private final CallStateMachine machine;
    private final Clock clock;

    public CallStateManager(CallStore calls, SessionDirectory sessions, SwitchPort switchPort, TimerPort timers,
            CallStateMachine machine, Clock clock) {
        this.calls = Objects.requireNonNull(calls);
        this.sessions = Objects.requireNonNull(sessions);
        this.switchPort = Objects.requireNonNull(switchPort);
        this.timers = Objects.requireNonNull(timers);
        this.machine = Objects.requireNonNull(machine);
        this.clock = Objects.requireNonNull(clock);
    }

    public Outcome handle(CallEvent event) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<Call> current = calls.find(event.callId());
            Outcome outcome = decide(current, event);
            if (outcome.needsWrite() && !write(current, outcome.call())) {
                continue;
            }
            issue(outcome.commands());
            return outcome;
        }
        throw new ConcurrentCallUpdate(event.callId(), MAX_ATTEMPTS);
    }

    private Outcome decide(Optional<Call> current, CallEvent event) {
        if (current.isPresent()) {
            return machine.apply(current.get(), event);
        }
        if (event instanceof CallEvent.CallRequested request) {
            var now = clock.instant();
            List<String> callerLive = sessions.sessionsOf(request.callerUserId()).liveConnectionIds(now);
            List<String> calleeLive = sessions.sessionsOf(request.calleeUserId()).liveConnectionIds(now);
            return machine.start(request, callerLive, calleeLive);
        }
        return Outcome.ignored(null, "no call " + event.callId() + " for " + event.getClass().getSimpleName());
    }

    private boolean write(Optional<Call> current, Call next) {
        return current.isEmpty() ? calls.create(next) : calls.update(next, current.get().version());
    }

    private void issue(List<CallCommand> commands) {
        for (CallCommand command : commands) {
            if (command instanceof CallCommand.RingCallee ring) {
                switchPort.ring(ring);
            } else if (command instanceof CallCommand.BridgeConnections bridge) {
                switchPort.bridge(bridge);
            } else if (command instanceof CallCommand.ReleaseConnection release) {
                switchPort.release(release);
            } else if (command instanceof CallCommand.ScheduleRingTimeout timer) {
                timers.schedule(timer);
            }
        }
    }

    /** Too many concurrent writers on one call; the event is retried by its queue. */
    public static final class ConcurrentCallUpdate extends RuntimeException {
        ConcurrentCallUpdate(String callId, int attempts) {
            super("call " + callId + " changed under us " + attempts + " times in a row");
        }
    }
}
