package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.core.call.EndReason;
import dev.calling.core.call.RouteKind;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.money.Money;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@code ./run-local} prints what a call cost. */
class LocalDemoPrintingTest {

    static final Instant AT = Instant.parse("2026-12-05T10:00:00Z");

    static CallDetailRecord record(EndReason reason, Money retail, Money cost) {
        return new CallDetailRecord("call-1", "olivia", "+44791112", "+44791112", RouteKind.PSTN, null, List.of(), AT, null,
                AT, reason, 0, 0, retail, cost);
    }

    @Test
    void aCallNobodyPaysForShowsNoCurrency() {
        Currency none = Currency.getInstance("XXX"); // what the core gives a refused call's amounts

        String printed = LocalDemo.charge(record(EndReason.FAILED, Money.zero(none), Money.zero(none)));

        assertThat(printed).isEqualTo("no charge").doesNotContain("XXX");
    }

    @Test
    void aChargedCallShowsWhatItsCallerPaidAndWhatTheCarrierCharges() {
        String printed = LocalDemo.charge(record(EndReason.CUT_OFF, Money.of("0.03", "USD"), Money.of("0.0871", "USD")));

        assertThat(printed).isEqualTo("0.03 USD (carrier cost 0.0871 USD)");
    }
}
