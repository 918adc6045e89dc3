package dev.calling.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The fault-injection suite, trimmed to {@link #CALLS} calls so that it runs in the build: every
 * fault kind is injected (one DynamoDB restart, one SQS outage, poison on every queue ...)
 * and the must-be-zero figures are asserted (over-billing against the switch's own record, money
 * left reserved, carrier counts, record sizes among them). The full run is
 * {@code functions/resilience/run-faults}.
 */
class FaultSuiteTest {

    /**
     * Calls in the build's run: 60, enough for every fault kind and every scenario the assertions below need (the
     * faults are placed by the share of calls placed, not by time); {@code -Dcalling.test.fault-calls=300} for a
     * longer run, {@code run-faults} for 10 000.
     */
    static final int CALLS = Integer.getInteger("calling.test.fault-calls", 60);

    /**
     * Longer than the full run's 5 s: with a handful of pushed calls, one woken app's answer has to land for the push
     * checks below, and on a loaded machine the push, the app's start and its answer can take more than 5 s.
     */
    static final Duration RING_TIMEOUT = Duration.ofSeconds(8);

    @Test
    void underEveryFaultNoCallIsChargedTwiceStuckOrLost() throws Exception {
        FaultSuite.Report report = FaultSuite.run(
                FaultSuite.Config.of(CALLS, 30, 42).withRingTimeout(RING_TIMEOUT), System.out);
        report.print(System.out);

        assertThat(report.placed()).isEqualTo(CALLS);
        assertThat(report.doubleCharges()).as("double charges %s", report.doubleChargeDetail()).isZero();
        assertThat(report.stuck()).as("stuck calls %s", report.examples()).isZero();
        assertThat(report.lostMessages()).as("lost messages %s %s", report.lostDetail(), report.examples()).isZero();
        assertThat(report.ghostCallsCreated()).as("calls created by messages for unknown calls").isZero();
        assertThat(report.poisonFound()).as("poison in the dead-letter queues").isEqualTo(report.poisonExpected());
        assertThat(report.billedCallsChecked()).as("charged calls checked against the switch's record").isPositive();
        assertThat(report.overBilledSeconds()).as("seconds billed above the switch's talk time %s", report.examples())
                .isZero();
        assertThat(report.reservedAtEnd()).as("reservations still holding money").isEmpty();
        assertThat(report.carrierActiveCalls()).as("carrier calls in progress at the end")
                .allSatisfy((carrier, calls) -> assertThat(calls).as(carrier).isZero());
        assertThat(report.oversizedRecords()).as("call records over 100 KB").isEmpty();
        assertThat(report.mustBeZero()).as("every must-be-zero figure").allSatisfy((figure, value) -> assertThat(value)
                .as(figure).isZero());
        assertThat(report.ok()).isTrue();
        assertThat(report.endedByReason().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(CALLS);
        // Every kind of fault was really injected, not just configured.
        assertThat(report.faultsInjected()).containsKeys("DynamoDB restarts (same port, same data)",
                "SQS outages (ElasticMQ unreachable)", "function died after writing a call record",
                "switch reports duplicated", "poison: garbage", "poison: unknown type", "poison: invalid values",
                "poison: in a live call's group",
                "messages for unknown calls or connections (ignored by design)");
        // Push: callees woken by push answered, pushes went out at most once per kind and device, none stuck, and
        // SNS really refused some Publish requests, some past the retry window.
        FaultSuite.Report.Push push = report.push();
        assertThat(push.pushedCalls()).as("pushed calls").isPositive();
        assertThat(push.answered()).as("pushed calls answered by the woken app").isPositive();
        assertThat(push.stuck()).isZero();
        assertThat(push.callsPushedTwice()).as("calls with more than 1 push of a kind to a device").isEmpty();
        assertThat(push.accepted()).containsKeys("RING", "CANCEL", "MISSED");
        assertThat(push.refused()).as("Publish requests SNS refused").isNotEmpty();
        assertThat(push.deadLettered()).as("pushes dead-lettered while SNS was down for a phone").isNotEmpty();
        assertThat(report.faultsInjected().keySet()).anyMatch(k -> k.startsWith("SNS Publish failures scripted"))
                .anyMatch(k -> k.startsWith("SNS down for a phone's tokens"));
        assertThat(report.faultsInjected().keySet()).anyMatch(k -> k.startsWith("batch delivered twice in parallel"))
                .anyMatch(k -> k.startsWith("batch processed then redelivered"))
                .anyMatch(k -> k.startsWith("DynamoDB throttling"))
                .anyMatch(k -> k.startsWith("carrier outages"))
                .anyMatch(k -> k.startsWith("conditional check failed"));
    }
}
