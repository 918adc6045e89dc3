package dev.calling.adapters.billing;

import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.money.Money;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * One call detail record as one CSV row of the billing export. Times are ISO-8601 UTC
 * ({@link Instant#toString()}: {@code 2026-11-24T10:15:30Z}, with a fraction only when there is
 * one); absent values are empty. Money is written with exactly six decimals, the micro-units
 * {@link Money} holds ({@code 0.123400}), so no rounding ever happens and the sum of a column is
 * exact; finance rounds to the currency's minor unit when it invoices, not this file. A call nobody
 * pays for (VoIP, refused before any carrier) has no currency: its currency cell is empty and its
 * amounts zero.
 */
final class CallDetailRecordCsv {

    /** ISO 4217 "no currency", which the core gives the amounts of a call nobody pays for. */
    static final String NO_CURRENCY = "XXX";

    static final List<String> COLUMNS = List.of("call_id", "caller_user_id", "callee", "dialled_number", "route",
            "provider_id", "attempts", "requested_at", "answered_at", "ended_at", "end_reason", "talk_seconds",
            "billable_seconds", "currency", "retail", "carrier_cost", "margin");

    private CallDetailRecordCsv() {}

    /**
     * The row's values in {@link #COLUMNS} order. Retail and carrier cost must be in the same
     * currency (the margin is their difference); a record that mixes currencies is refused.
     */
    static List<String> row(CallDetailRecord cdr) {
        return Arrays.asList(
                cdr.callId(),
                cdr.callerUserId(),
                cdr.callee(),
                orEmpty(cdr.dialledNumber()),
                cdr.route() == null ? "" : cdr.route().name(),
                orEmpty(cdr.providerId()),
                Integer.toString(cdr.attempts().size()),
                cdr.requestedAt().toString(),
                time(cdr.answeredAt()),
                cdr.endedAt().toString(),
                cdr.endReason().name(),
                Long.toString(cdr.talkSeconds()),
                Long.toString(cdr.billableSeconds()),
                hasCurrency(cdr) ? cdr.retail().currency().getCurrencyCode() : "",
                amount(cdr.retail()),
                amount(cdr.carrierCost()),
                amount(cdr.margin()));
    }

    /** False for a call nobody pays for (amounts in ISO 4217 "XXX", all zero). */
    static boolean hasCurrency(CallDetailRecord cdr) {
        return !cdr.retail().currency().getCurrencyCode().equals(NO_CURRENCY);
    }

    /** {@code 1234567} micros as {@code "1.234567"}; negative margins keep their sign. */
    static String amount(Money money) {
        return amount(money.micros());
    }

    static String amount(long micros) {
        return BigDecimal.valueOf(micros, 6).toPlainString();
    }

    private static String time(Instant instant) {
        return instant == null ? "" : instant.toString();
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
