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

    // --- fallback to the callee's phone number after the push window ---

    static final String PHONE = "+447400123456";
    static final Charging TERMS = new Charging(PstnCallStateMachineTest.option("atlas").cost(),
            dev.calling.core.money.Money.of("0.35", "USD"), 180);
    final CallStateMachine withFallback = new CallStateMachine(new CallStateMachine.Timing(Duration.ofSeconds(45),
            Duration.ofHours(4), Duration.ofSeconds(60), Duration.ofSeconds(20), Duration.ofSeconds(15)));

    Call pushedWithFallback() {
        Outcome started = withFallback.start(new CallRequested("r", "p", T0, "alice", "a1", "bob"), List.of("a1"),
                new Route.Voip(List.of(), List.of(), List.of("iphone", "pixel"), true));
        assertThat(started.commands()).startsWith(new CallCommand.ScheduleFallback("p", T0.plusSeconds(15)),
                new CallCommand.ScheduleRingTimeout("p", T0.plusSeconds(45)));
        return started.call();
    }

    static Route phoneRoute(String... carriers) {
        return new Route.Pstn(dev.calling.core.routing.PhoneNumber.parse(PHONE),
                java.util.Arrays.stream(carriers).map(PstnCallStateMachineTest::option).toList());
    }

    @Test
    void withoutAnAnswerInThePushWindowTheCallGoesToTheCalleesPhoneAndTheDevicesStopRinging() {
        Call ringing = pushedWithFallback();
        CallEvent.FallbackDue due = CallEvent.FallbackDue.of("p", T0.plusSeconds(15));
        assertThat(withFallback.fallsBack(ringing, due)).isTrue();

        Outcome fell = withFallback.fallBack(ringing, due, phoneRoute("atlas", "borealis"), TERMS);

        Call dialling = fell.call();
        assertThat(dialling.state()).isEqualTo(CallState.RINGING);
        assertThat(dialling.route()).isEqualTo(RouteKind.PSTN);
        assertThat(dialling.dialledNumber()).isEqualTo(PHONE);
        assertThat(dialling.charging()).isEqualTo(TERMS);
        assertThat(dialling.failoverProviders()).containsExactly("borealis");
        assertThat(dialling.attempts()).extracting(Attempt::providerId).containsExactly(CallStateMachine.VOIP_SWITCH,
                "atlas");
        assertThat(dialling.attempts().get(0).outcome()).isEqualTo(dev.calling.core.routing.AttemptOutcome.NO_ANSWER);
        assertThat(fell.commands()).containsExactly(push(PushKind.CANCEL, null),
                new CallCommand.DialNumber("p", 2, "atlas", "alice", "a1", PHONE, Duration.ofSeconds(180)));
        assertThat(dialling.checkBy()).as("the ring timeout stays the call's").isEqualTo(T0.plusSeconds(45));

        assertThat(withFallback.fallsBack(dialling, due)).as("once").isFalse();
        Outcome again = withFallback.fallBack(dialling, due, phoneRoute("atlas"), TERMS);
        assertThat(again.kind()).isEqualTo(Outcome.Kind.DUPLICATE);
        assertThat(again.commands()).isEqualTo(fell.commands());
    }

    @Test
    void theCarriersAnswerIsBridgedAndBilledAndALateAppAnswerIsIgnored() {
        Call dialling = withFallback.fallBack(pushedWithFallback(), CallEvent.FallbackDue.of("p", T0.plusSeconds(15)),
                phoneRoute("atlas"), TERMS).call();

        Outcome app = withFallback.apply(dialling, new CallAnswered("ans", "p", T0.plusSeconds(17), 0, 0, "b-late"));
        assertThat(app.kind()).as("an app's answer after the fallback").isEqualTo(Outcome.Kind.IGNORED);

        Outcome answered = withFallback.apply(dialling, new CallAnswered("c-ans", "p", T0.plusSeconds(20), 2, 1, "leg-1"));
        assertThat(answered.call().state()).isEqualTo(CallState.CONNECTED);
        assertThat(answered.commands()).contains(new CallCommand.BridgeToNumber("p", 2, "atlas", "alice", "a1"));
        Outcome ended = withFallback.apply(answered.call(), new CallHungUp("h", "p", T0.plusSeconds(80), 0, 0,
                Party.CALLER));
        CallCommand.ChargeCall charge = ended.commands().stream().filter(CallCommand.ChargeCall.class::isInstance)
                .map(CallCommand.ChargeCall.class::cast).findFirst().orElseThrow();
        assertThat(charge.prepaid()).isTrue();
        assertThat(charge.record().talkSeconds()).isEqualTo(60);
        assertThat(charge.record().callee()).isEqualTo("bob");
        assertThat(charge.record().dialledNumber()).isEqualTo(PHONE);
        assertThat(pushes(ended)).as("answered: no missed-call notice").doesNotContain(push(PushKind.MISSED, null));
    }

    @Test
    void aPhoneThatDoesNotAnswerEitherIsMissedAtTheRingTimeoutWithTheNotice() {
        Call dialling = withFallback.fallBack(pushedWithFallback(), CallEvent.FallbackDue.of("p", T0.plusSeconds(15)),
                phoneRoute("atlas"), TERMS).call();

        Outcome missed = withFallback.apply(dialling, RingTimeoutElapsed.of("p", T0.plusSeconds(45)));

        assertThat(missed.call().endReason()).isEqualTo(EndReason.MISSED);
        assertThat(missed.commands()).contains(new CallCommand.HangUpNumber("p", 2, "atlas"));
        assertThat(pushes(missed)).contains(push(PushKind.MISSED, null));
    }

    @Test
    void anAppThatAnsweredFirstOrARefusedFallbackKeepsTheCallInTheApp() {
        Call ringing = pushedWithFallback();
        CallEvent.FallbackDue due = CallEvent.FallbackDue.of("p", T0.plusSeconds(15));
        Call answered = withFallback.apply(ringing, new CallAnswered("ans", "p", T0.plusSeconds(9), 0, 0, "b-woken"))
                .call();
        assertThat(withFallback.fallsBack(answered, due)).isFalse();
        assertThat(withFallback.fallBack(answered, due, phoneRoute("atlas"), TERMS).kind())
                .isEqualTo(Outcome.Kind.IGNORED);

        Outcome refused = withFallback.fallBack(ringing, due,
                new Route.Refused(Route.Refusal.INSUFFICIENT_FUNDS, "alice has 0.00 USD"), null);
        assertThat(refused.call().route()).isEqualTo(RouteKind.VOIP);
        assertThat(refused.call().state()).isEqualTo(CallState.RINGING);
        assertThat(refused.commands()).isEmpty();
        assertThat(refused.call().timeline().get(refused.call().timeline().size() - 1).detail())
                .contains("no fallback to the phone").contains("alice has 0.00 USD");
        Outcome woken = withFallback.apply(refused.call(), new CallAnswered("ans", "p", T0.plusSeconds(20), 0, 0, "b-w"));
        assertThat(woken.call().state()).as("the app may still answer").isEqualTo(CallState.CONNECTED);
    }

    @Test
    void noFallbackTimerWithoutAFallbackOrWithAPushWindowAsLongAsTheRingTimeout() {
        assertThat(start(List.of(), List.of("iphone")).commands())
                .noneMatch(CallCommand.ScheduleFallback.class::isInstance);
        CallStateMachine noWindow = new CallStateMachine(CallStateMachine.Timing.withRingTimeout(Duration.ofSeconds(15)));
        assertThat(noWindow.start(new CallRequested("r", "p", T0, "alice", "a1", "bob"), List.of("a1"),
                new Route.Voip(List.of(), List.of(), List.of("iphone"), true)).commands())
                .noneMatch(CallCommand.ScheduleFallback.class::isInstance);
    }
}
