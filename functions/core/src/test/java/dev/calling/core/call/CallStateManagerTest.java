package dev.calling.core.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.core.call.CallEvent.CallAnswered;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.session.Connection;
import dev.calling.core.session.ConnectionState;
import dev.calling.core.session.SessionDirectory;
import dev.calling.core.session.UserSessions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The use case against in-memory ports: write-then-issue, duplicates and optimistic-lock races. */
class CallStateManagerTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    final MemoryCalls calls = new MemoryCalls();
    final List<CallCommand> issued = new ArrayList<>();
    final SwitchPort recordingSwitch = new SwitchPort() {
        public void ring(CallCommand.RingCallee c) { issued.add(c); }
        public void bridge(CallCommand.BridgeConnections c) { issued.add(c); }
        public void release(CallCommand.ReleaseConnection c) { issued.add(c); }
    };
    final TimerPort timers = issued::add;
    final SessionDirectory sessions = new SessionDirectory() {
        public UserSessions sessionsOf(String userId) {
            Instant expiry = T0.plusSeconds(90);
            return UserSessions.of(userId, switch (userId) {
                case "alice" -> List.of(new Connection("alice", "s", "a1", ConnectionState.OPEN, T0, T0, expiry));
                case "bob" -> List.of(new Connection("bob", "s", "b1", ConnectionState.OPEN, T0, T0, expiry),
                        new Connection("bob", "s", "b0", ConnectionState.CLOSED, T0, T0, expiry));
                default -> List.of();
            });
        }
        public Optional<Connection> connection(String connectionId) { return Optional.empty(); }
    };
    final CallStateManager manager = new CallStateManager(calls, sessions, recordingSwitch, timers,
            new CallStateMachine(Duration.ofSeconds(45)), Clock.fixed(T0, ZoneOffset.UTC));

    @Test
    void requestRingsOnlyLiveConnectionsAndStoresTheCall() {
        manager.handle(new CallRequested("r", "c1", T0, "alice", "a1", "bob"));

        assertThat(calls.byId.get("c1").state()).isEqualTo(CallState.RINGING);
        assertThat(issued).first().isEqualTo(new CallCommand.RingCallee("c1", "alice", "bob", List.of("b1")));
    }

    @Test
    void duplicateRequestReissuesTheSameCommandsAndWritesNothing() {
        CallRequested request = new CallRequested("r", "c1", T0, "alice", "a1", "bob");
        manager.handle(request);
        List<CallCommand> first = List.copyOf(issued);
        int writes = calls.writes;

        Outcome again = manager.handle(request);

        assertThat(again.kind()).isEqualTo(Outcome.Kind.DUPLICATE);
        assertThat(calls.writes).isEqualTo(writes);
        assertThat(issued).hasSize(first.size() * 2).endsWith(first.toArray(CallCommand[]::new));
    }

    @Test
    void lostRaceRereadsAndDecidesAgain() {
        manager.handle(new CallRequested("r", "c1", T0, "alice", "a1", "bob"));
        calls.failNextUpdates = 1;

        Outcome outcome = manager.handle(new CallAnswered("a", "c1", T0.plusSeconds(2), 1, "b1"));

        assertThat(outcome.call().state()).isEqualTo(CallState.CONNECTED);
        assertThat(calls.byId.get("c1").state()).isEqualTo(CallState.CONNECTED);
    }

    @Test
    void commandsAreNotIssuedWhenTheWriteNeverSucceeds() {
        manager.handle(new CallRequested("r", "c1", T0, "alice", "a1", "bob"));
        issued.clear();
        calls.failNextUpdates = CallStateManager.MAX_ATTEMPTS;

        assertThatThrownBy(() -> manager.handle(new CallAnswered("a", "c1", T0.plusSeconds(2), 1, "b1")))
                .isInstanceOf(CallStateManager.ConcurrentCallUpdate.class);
        assertThat(issued).isEmpty();
    }

    @Test
    void eventForUnknownCallIsIgnored() {
        Outcome outcome = manager.handle(new CallAnswered("a", "nope", T0, 1, "b1"));

        assertThat(outcome.kind()).isEqualTo(Outcome.Kind.IGNORED);
        assertThat(calls.byId).isEmpty();
    }

    static final class MemoryCalls implements CallStore {
        final Map<String, Call> byId = new HashMap<>();
        int writes;
        int failNextUpdates;

        public Optional<Call> find(String callId) {
            return Optional.ofNullable(byId.get(callId));
        }

        public boolean create(Call call) {
            writes++;
            return byId.putIfAbsent(call.callId(), call) == null;
        }

        public boolean update(Call call, long expectedVersion) {
            writes++;
            if (failNextUpdates > 0) {
                failNextUpdates--;
                return false;
            }
            if (byId.get(call.callId()).version() != expectedVersion) {
                return false;
            }
            byId.put(call.callId(), call);
            return true;
        }
    }
}
