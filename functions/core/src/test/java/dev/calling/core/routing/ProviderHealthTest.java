package dev.calling.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ProviderHealthTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    final ProviderHealth.Policy policy = new ProviderHealth.Policy(10, 4, 0.5, Duration.ofSeconds(30));

    ProviderHealth after(AttemptOutcome... outcomes) {
        ProviderHealth health = ProviderHealth.fresh(policy);
        for (AttemptOutcome outcome : outcomes) {
            health = health.record(outcome, T0);
        }
        return health;
    }

    @Test
    void aRunOfFailuresOpensTheBreaker() {
        ProviderHealth health = after(AttemptOutcome.ANSWERED, AttemptOutcome.CARRIER_FAILURE,
                AttemptOutcome.CARRIER_FAILURE, AttemptOutcome.CARRIER_FAILURE);

        assertThat(health.breaker(T0)).isEqualTo(ProviderHealth.Breaker.OPEN);
        assertThat(health.allowsAttempt(T0.plusSeconds(29))).isFalse();
        assertThat(health.failureRate()).isEqualTo(0.75);
        assertThat(health.answerSeizureRatio()).isEqualTo(0.25);
    }

    @Test
    void calleeOutcomesAreNotCarrierFailures() {
        ProviderHealth health = after(AttemptOutcome.CALLEE_BUSY, AttemptOutcome.CALLEE_DECLINED,
                AttemptOutcome.NO_ANSWER, AttemptOutcome.CALLEE_UNAVAILABLE, AttemptOutcome.CALLEE_BUSY);

        assertThat(health.breaker(T0)).isEqualTo(ProviderHealth.Breaker.CLOSED);
        assertThat(health.answerSeizureRatio()).isZero();
    }

    @Test
    void tooFewAttemptsDoNotOpenIt() {
        assertThat(after(AttemptOutcome.CARRIER_FAILURE, AttemptOutcome.CARRIER_FAILURE).allowsAttempt(T0)).isTrue();
    }

    @Test
    void afterTheOpenPeriodOneProbeDecides() {
        ProviderHealth open = after(AttemptOutcome.CARRIER_FAILURE, AttemptOutcome.CARRIER_FAILURE,
                AttemptOutcome.CARRIER_FAILURE, AttemptOutcome.CARRIER_FAILURE);
        Instant later = T0.plusSeconds(30);

        assertThat(open.breaker(later)).isEqualTo(ProviderHealth.Breaker.HALF_OPEN);
        ProviderHealth probing = open.attemptStarted(later);
        assertThat(probing.allowsAttempt(later)).as("one probe at a time").isFalse();

        ProviderHealth recovered = probing.record(AttemptOutcome.ANSWERED, later.plusSeconds(5));
        assertThat(recovered.breaker(later.plusSeconds(5))).isEqualTo(ProviderHealth.Breaker.CLOSED);
        assertThat(recovered.allowsAttempt(later.plusSeconds(5))).isTrue();

        ProviderHealth stillBroken = probing.record(AttemptOutcome.CARRIER_FAILURE, later.plusSeconds(5));
        assertThat(stillBroken.breaker(later.plusSeconds(6))).isEqualTo(ProviderHealth.Breaker.OPEN);
        assertThat(stillBroken.allowsAttempt(later.plusSeconds(34))).isFalse();
        assertThat(stillBroken.allowsAttempt(later.plusSeconds(35))).isTrue();
    }

    @Test
    void onlyCarrierFailuresFailOver() {
        assertThat(AttemptOutcome.fromSipCode(503).allowsFailover()).isTrue();
        assertThat(AttemptOutcome.fromSipCode(500).allowsFailover()).isTrue();
        assertThat(AttemptOutcome.fromSipCode(408).allowsFailover()).isTrue();
        assertThat(AttemptOutcome.fromSipCode(486)).isEqualTo(AttemptOutcome.CALLEE_BUSY);
        assertThat(AttemptOutcome.fromSipCode(603)).isEqualTo(AttemptOutcome.CALLEE_DECLINED);
        assertThat(AttemptOutcome.fromSipCode(480)).isEqualTo(AttemptOutcome.CALLEE_UNAVAILABLE);
        for (int userOutcome : new int[] {486, 603, 480, 404, 600}) {
            assertThat(AttemptOutcome.fromSipCode(userOutcome).allowsFailover()).as("SIP %d", userOutcome).isFalse();
        }
        assertThat(AttemptOutcome.fromSipCode(200)).isEqualTo(AttemptOutcome.ANSWERED);
    }
}
