package dev.calling.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BillingIncrementTest {

    @Test
    void billableSecondsAtTheBoundaries() {
        assertThat(BillingIncrement.PER_MINUTE.billableSeconds(0)).isZero();
        assertThat(BillingIncrement.PER_MINUTE.billableSeconds(1)).isEqualTo(60);
        assertThat(BillingIncrement.PER_MINUTE.billableSeconds(60)).isEqualTo(60);
        assertThat(BillingIncrement.PER_MINUTE.billableSeconds(61)).isEqualTo(120);
        assertThat(BillingIncrement.THIRTY_SIX.billableSeconds(1)).isEqualTo(30);
        assertThat(BillingIncrement.THIRTY_SIX.billableSeconds(31)).isEqualTo(36);
        assertThat(BillingIncrement.THIRTY_SIX.billableSeconds(37)).isEqualTo(42);
        assertThat(BillingIncrement.PER_SECOND.billableSeconds(59)).isEqualTo(59);
        assertThat(BillingIncrement.parse(" 30/6 ")).isEqualTo(BillingIncrement.THIRTY_SIX);
    }
}
