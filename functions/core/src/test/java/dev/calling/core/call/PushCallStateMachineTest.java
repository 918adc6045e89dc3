package dev.calling.core.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.core.call.CallCommand.PushCallee;
import dev.calling.core.call.CallEvent.CallAnswered;
import dev.calling.core.call.CallEvent.CallHungUp;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallEvent.RingTimeoutElapsed;
import dev.calling.core.push.PushKind;
import dev.calling.core.routing.Route;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A callee woken by push: rung on its registered devices (and its live connections, if any), answered on
 * the connection the woken app opens, told to stop ringing when the call stops ringing, told it missed one.
 */
class PushCallStateMachineTest {

    static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    final CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));

    Outcome start(List<String> liveConnections, List<String> devices) {
        return machine.start(new CallRequested("r", "p", T0, "alice", "a1", "bob"), List.of("a1"),
                new Route.Voip(liveConnections, List.of(), devices));
    }

    static List<PushCallee> pushes(Outcome outcome) {
        return outcome.commands().stream().filter(PushCallee.class::isInstance).map(PushCallee.class::cast).toList();
    }

    static PushCallee push(PushKind kind, Instant ringUntil) {
        return new PushCallee("p", "alice", "bob", kind, List.of("iphone", "pixel"), ringUntil);
    }

    @Test
    void aCalleeWithOnlyRegisteredDevicesRingsByPushUntilTheRingTimeout() {
        Outcome started = start(List.of(), List.of("iphone", "pixel"));

        assertThat(started.call().state()).isEqualTo(CallState.RINGING);
        assertThat(started.call().pushedDeviceIds()).containsExactly("iphone", "pixel");
        assertThat(started.commands()).containsExactly(new CallCommand.ScheduleRingTimeout("p", T0.plusSeconds(45)),
                new CallCommand.RingCallee("p", "alice", "a1", "bob", List.of()), // the caller's side is set up
                push(PushKind.RING, T0.plusSeconds(45)));
        assertThat(started.call().timeline().get(1).detail()).isEqualTo(
                "ringing 0 connection(s) and pushing to 2 device(s) of bob");
    }

    @Test
    void theWokenAppAnswersOnItsNewConnectionAndTheOtherDevicesAreToldToStopRinging() {
        Call ringing = start(List.of(), List.of("iphone", "pixel")).call();

        Outcome answered = machine.apply(ringing, new CallAnswered("ans", "p", T0.plusSeconds(6), 0, 0, "b-woken"));

        assertThat(answered.call().state()).isEqualTo(CallState.CONNECTED);
        assertThat(answered.call().calleeConnectionId()).isEqualTo("b-woken");
        assertThat(answered.commands()).contains(new CallCommand.BridgeConnections("p", "a1", "b-woken"),
                push(PushKind.CANCEL, null));
        Outcome ended = machine.apply(answered.call(), new CallHungUp("h", "p", T0.plusSeconds(30), 0, 0,
                Party.CALLER));
        assertThat(pushes(ended)).as("an answered call said so at its answer").isEmpty();
    }

    @Test
    void withoutPushAnAnswerOnAConnectionTheCallDidNotRingIsIgnored() {
        Call ringing = start(List.of("b1"), List.of()).call();

        Outcome stray = machine.apply(ringing, new CallAnswered("ans", "p", T0.plusSeconds(6), 0, 0, "b-other"));

        assertThat(stray.kind()).isEqualTo(Outcome.Kind.IGNORED);
        assertThat(pushes(start(List.of("b1"), List.of()))).isEmpty();
    }

    @Test
    void aMissedCallTellsTheDevicesToStopRingingAndLeavesAMissedCallNoticeEvenWhenHandledAgain() {
        Call ringing = start(List.of("b1"), List.of("iphone", "pixel")).call();

        Outcome missed = machine.apply(ringing, RingTimeoutElapsed.of("p", T0.plusSeconds(45)));

        assertThat(missed.call().endReason()).isEqualTo(EndReason.MISSED);
        assertThat(pushes(missed)).containsExactly(push(PushKind.CANCEL, null), push(PushKind.MISSED, null));
        Outcome again = machine.apply(missed.call(), RingTimeoutElapsed.of("p", T0.plusSeconds(45)));
        assertThat(pushes(again)).as("issued again: the push sender sends each once per device")
                .containsExactly(push(PushKind.CANCEL, null), push(PushKind.MISSED, null));
    }

    @Test
    void aCallTheCallerCancelsOnlyStopsTheRinging() {
        Call ringing = start(List.of(), List.of("iphone", "pixel")).call();

        Outcome cancelled = machine.apply(ringing, new CallHungUp("h", "p", T0.plusSeconds(8), 0, 0, Party.CALLER));

        assertThat(cancelled.call().endReason()).isEqualTo(EndReason.CANCELLED);
        assertThat(pushes(cancelled)).containsExactly(push(PushKind.CANCEL, null));
    }
}
