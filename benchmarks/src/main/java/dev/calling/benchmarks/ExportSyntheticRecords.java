package dev.calling.benchmarks;

import dev.calling.core.call.Attempt;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.RouteKind;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.charging.CallDetailRecords;
import dev.calling.core.money.Money;
import dev.calling.core.routing.AttemptOutcome;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A day of call detail records made up on the fly, the same for a given count and seed, never held
 * in memory: a fifth VoIP (free), the rest PSTN through one of four carriers (one in ten after a
 * failed first carrier), a quarter of calls unanswered, amounts to the micro. Stands in for the
 * store when a million rows in dynalite would take longer to write than to export.
 */
public final class ExportSyntheticRecords implements CallDetailRecords {

    private static final String[] CARRIERS = {"atlas", "borealis", "cobalt", "dune"};
    private static final String[] COUNTRY_PREFIXES = {"+1415", "+4420", "+5511", "+4915", "+3361", "+9198", "+8613"};
    private static final Currency USD = Currency.getInstance("USD");
    private static final Currency EUR = Currency.getInstance("EUR");

    private final LocalDate day;
    private final int count;
    private final long seed;

    public ExportSyntheticRecords(LocalDate day, int count, long seed) {
        this.day = day;
        this.count = count;
        this.seed = seed;
    }

    /** Every record, for loading a store. */
    public void forEach(Consumer<CallDetailRecord> sink) {
        Random random = new Random(seed);
        Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        long spacingMillis = 86_400_000L / Math.max(count, 1);
        for (int i = 0; i < count; i++) {
            sink.accept(next(random, start.plusMillis(i * spacingMillis + random.nextInt((int) Math.max(spacingMillis, 1)))));
        }
    }

    @Override
    public void record(CallDetailRecord cdr) {
        throw new UnsupportedOperationException("synthetic records are read-only");
    }

    @Override
    public void revise(CallDetailRecord revised) {
        throw new UnsupportedOperationException("synthetic records are read-only");
    }

    @Override
    public void forEachEndedOn(LocalDate requested, Consumer<CallDetailRecord> sink) {
        if (requested.equals(day)) {
            forEach(sink);
        }
    }

    private static CallDetailRecord next(Random random, Instant ended) {
        String callId = new UUID(random.nextLong(), random.nextLong()).toString();
        String caller = "user-" + Integer.toString(random.nextInt(5_000_000), 36);
        boolean voip = random.nextInt(5) == 0;
        boolean answered = random.nextInt(4) != 0;
        long talk = answered ? 5 + random.nextInt(1_800) : 0;
        Instant requested = ended.minusSeconds(talk + 5 + random.nextInt(30));
        Instant answeredAt = answered ? ended.minusSeconds(talk) : null;
        EndReason reason = answered ? EndReason.COMPLETED : EndReason.values()[1 + random.nextInt(EndReason.values().length - 1)];
        if (voip) {
            String callee = "user-" + Integer.toString(random.nextInt(5_000_000), 36);
            return new CallDetailRecord(callId, caller, callee, null, RouteKind.VOIP, "voip-switch",
                    List.of(new Attempt(1, "voip-switch", requested, ended, answered ? AttemptOutcome.ANSWERED
                            : AttemptOutcome.NO_ANSWER, 0)),
                    requested, answeredAt, ended, reason, talk, 0, Money.zero(USD), Money.zero(USD));
        }
        String number = COUNTRY_PREFIXES[random.nextInt(COUNTRY_PREFIXES.length)]
                + String.format("%07d", random.nextInt(10_000_000));
        List<Attempt> attempts = new ArrayList<>(2);
        String carrier = CARRIERS[random.nextInt(CARRIERS.length)];
        if (random.nextInt(10) == 0) {
            String failed = CARRIERS[(random.nextInt(CARRIERS.length - 1) + 1 + indexOf(carrier)) % CARRIERS.length];
            attempts.add(new Attempt(1, failed, requested, requested.plusSeconds(1), AttemptOutcome.CARRIER_FAILURE, 503));
        }
        attempts.add(new Attempt(attempts.size() + 1, carrier, requested.plusSeconds(attempts.size()), ended,
                answered ? AttemptOutcome.ANSWERED : AttemptOutcome.NO_ANSWER, answered ? 0 : 487));
        long billable = answered ? (talk + 59) / 60 * 60 : 0;
        Currency currency = random.nextInt(10) == 0 ? EUR : USD;
        long retail = billable * (1_000 + random.nextInt(3_000)) / 6; // 0.06 to 0.24 a minute, in micros per second
        long cost = retail * (40 + random.nextInt(70)) / 100; // some calls lose money
        return new CallDetailRecord(callId, caller, number, number, RouteKind.PSTN, carrier, attempts, requested,
                answeredAt, ended, reason, talk, billable, new Money(retail, currency), new Money(cost, currency));
    }

    private static int indexOf(String carrier) {
        for (int i = 0; i < CARRIERS.length; i++) {
            if (CARRIERS[i].equals(carrier)) {
                return i;
            }
        }
        return 0;
    }
}
