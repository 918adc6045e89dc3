package dev.calling.local;

import dev.calling.core.call.Call;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.TimelineEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * {@code ./run-local}: starts the whole system on the embedded default, places a handful of VoIP
 * calls between simulated app users (one for each way a call ends), prints each call's timeline
 * as stored by the call state manager, and exits non-zero if any call ended other than expected.
 * With {@code --serve} it then keeps running (devices heartbeat) until interrupted; {@code --verbose}
 * shows every function's per-event log line.
 */
public final class LocalDemo {

    record Scenario(String title, String callId, EndReason expected) {}

    public static void main(String[] args) throws Exception {
        boolean serve = List.of(args).contains("--serve");
        quietLogs(List.of(args).contains("--verbose"));
        Duration ringTimeout = Duration.ofSeconds(4);
        int exitCode;
        long started = System.nanoTime();
        try (LocalSystem system = LocalSystem.start(LocalSystem.Settings.defaults().withRingTimeout(ringTimeout))) {
            System.out.printf(Locale.ROOT, "Embedded stack up in %d ms: DynamoDB Local %s, ElasticMQ (SQS) %s%n",
                    (System.nanoTime() - started) / 1_000_000, system.aws().dynamoDbEndpoint(),
                    system.aws().sqsEndpoint());
            System.out.println("Ring timeout for the demo: " + ringTimeout.toSeconds() + " s (45 s by default)\n");

            SimulatedSwitch sw = system.simulatedSwitch();
            Device alice = sw.connect("alice", "alice-phone");
            Device bob = sw.connect("bob", "bob-phone").whenRung(
                    RingResponse.answerAfter(Duration.ofMillis(800)));
            Device carol = sw.connect("carol", "carol-phone").whenRung(
                    new RingResponse.Decline(Duration.ofMillis(700)));
            Device dave = sw.connect("dave", "dave-tablet").whenRung(new RingResponse.Ignore());
            Device erin = sw.connect("erin", "erin-phone").whenRung(new RingResponse.Ignore());
            Device grace = sw.connect("grace", "grace-phone").whenRung(new RingResponse.Busy());
            Device frank = sw.connect("frank", "frank-phone");
            for (Device d : List.of(alice, bob, carol, dave, erin, grace, frank)) {
                system.awaitLive(d, Duration.ofSeconds(20));
            }
            frank.disconnect(); // frank goes offline before anyone calls him
            Thread.sleep(500);

            List<Scenario> scenarios = new ArrayList<>();
            scenarios.add(new Scenario("alice calls bob, bob answers, alice hangs up after 2 s",
                    alice.call("bob", CallerScript.hangUpAfterTalking(Duration.ofSeconds(2))), EndReason.COMPLETED));
            Device alice2 = sw.connect("alice", "alice-laptop");
            system.awaitLive(alice2, Duration.ofSeconds(20));
            scenarios.add(new Scenario("alice (laptop) calls carol, carol declines",
                    alice2.call("carol", CallerScript.waitForOtherSide()), EndReason.REJECTED));
            Device henry = sw.connect("henry", "henry-phone");
            Device ivan = sw.connect("ivan", "ivan-phone");
            Device judy = sw.connect("judy", "judy-phone");
            Device kim = sw.connect("kim", "kim-phone");
            for (Device d : List.of(henry, ivan, judy, kim)) {
                system.awaitLive(d, Duration.ofSeconds(20));
            }
            scenarios.add(new Scenario("henry calls dave, nobody answers",
                    henry.call("dave", CallerScript.waitForOtherSide()), EndReason.MISSED));
            scenarios.add(new Scenario("ivan calls erin, then hangs up while it rings",
                    ivan.call("erin", CallerScript.cancelAfter(Duration.ofMillis(1500))), EndReason.CANCELLED));
            scenarios.add(new Scenario("judy calls frank, who is offline",
                    judy.call("frank", CallerScript.waitForOtherSide()), EndReason.UNREACHABLE));
            scenarios.add(new Scenario("kim calls grace, whose phone is busy",
                    kim.call("grace", CallerScript.waitForOtherSide()), EndReason.BUSY));

            int unexpected = 0;
            for (Scenario scenario : scenarios) {
                Call call = system.awaitEnded(scenario.callId(), ringTimeout.plusSeconds(30));
                boolean ok = call.endReason() == scenario.expected();
                unexpected += ok ? 0 : 1;
                printTimeline(scenario, call, ok);
            }
            System.out.printf(Locale.ROOT, "%d calls, %d ended as expected.%n", scenarios.size(),
                    scenarios.size() - unexpected);

            if (serve) {
                System.out.println("\nServing (--serve): the stack stays up, devices heartbeat every 30 s. Ctrl-C to stop.");
                while (true) {
                    Thread.sleep(30_000);
                    sw.heartbeatAll();
                }
            }
            exitCode = unexpected > 0 ? 1 : 0;
        }
        // DynamoDB Local leaves a non-daemon job thread behind after stopping; exit explicitly.
        System.exit(exitCode);
    }

    /** One line per log record; the functions' per-event INFO lines only with --verbose. */
    static void quietLogs(boolean verbose) {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %3$s: %5$s%6$s%n");
        Level level = verbose ? Level.INFO : Level.WARNING;
        Logger root = Logger.getLogger("");
        root.setLevel(level);
        for (Handler handler : root.getHandlers()) {
            handler.setLevel(level);
            handler.setFormatter(new SimpleFormatter());
        }
    }

    static void printTimeline(Scenario scenario, Call call, boolean ok) {
        System.out.printf(Locale.ROOT, "%s  %s%n  %s -> %s: %s%s%n", call.callId(), scenario.title(),
                call.callerUserId(), call.calleeUserId(), call.endReason(), ok ? "" : "  (expected " + scenario.expected() + ")");
        for (TimelineEntry entry : call.timeline()) {
            double seconds = Duration.between(call.requestedAt(), entry.at()).toMillis() / 1000.0;
            System.out.printf(Locale.ROOT, "    +%6.3fs  %-9s  %s%n", seconds, entry.state(), entry.detail());
        }
        System.out.println();
    }
}
