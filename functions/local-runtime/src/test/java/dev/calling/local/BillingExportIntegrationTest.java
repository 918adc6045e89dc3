package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.billing.BillingExport;
import dev.calling.adapters.billing.ExportManifest;
import dev.calling.core.call.Call;
import dev.calling.core.call.EndReason;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.charging.PricePlan;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.ProviderKind;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import dev.calling.embedded.EmbeddedS3;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Finance's export of a day against the ledger, end to end: calls placed through the real queues
 * are settled on dynalite, then the day is exported to S3 (s3mock) and read back; every
 * row's retail amount is the settlement of its call, to the micro-unit, and the manifest's total
 * is the sum of the day's settlements.
 */
class BillingExportIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(40);
    static LocalSystem system;
    static EmbeddedS3 s3;

    @BeforeAll
    static void start() {
        var s3Started = EmbeddedS3.startInBackground(); // the slowest to start: alongside the stack
        PricePlan plan = PricePlan.flat("export-test", Currency.getInstance("USD"), RateDeck.of(List.of(new Rate("44",
                Money.of("0.60", "USD"), Money.of("0.07", "USD"), BillingIncrement.PER_SECOND, LocalDate.of(2020, 1, 1)))));
        Provider carrier = new Provider("uk", ProviderKind.PSTN, RateDeck.of(List.of(new Rate("44",
                Money.of("0.0137", "USD"), Money.of("0", "USD"), BillingIncrement.THIRTY_SIX, LocalDate.of(2020, 1, 1)))),
                100, true, 50);
        system = LocalSystem.start(LocalSystem.Settings.defaults().withRingTimeout(Duration.ofSeconds(8))
                .withRetryAfter(Duration.ofSeconds(1))
                .withPstn(List.of(new Subscriber("ann", Optional.empty(), RoutingPlan.withPstn(List.of())),
                        new Subscriber("ben", Optional.empty(), RoutingPlan.withPstn(List.of()))), List.of(carrier),
                        ProviderHealth.Policy.defaults())
                .withCharging(plan, Duration.ofMinutes(10)));
        s3 = s3Started.join();
    }

    @AfterAll
    static void stop() {
        system.close();
        s3.close();
    }

    @Test
    void theExportOfADayMatchesTheLedgerToTheMicroUnit() throws Exception {
        SimulatedSwitch sw = system.simulatedSwitch();
        system.accounts().topUp("ann", "ann-1", Money.of("3.00", "USD"), Instant.now());
        system.accounts().topUp("ben", "ben-1", Money.of("0.10", "USD"), Instant.now());
        Device ann = sw.connect("ann", "phone");
        Device ben = sw.connect("ben", "phone");
        Device annTablet = sw.connect("ann", "tablet");
        Device carl = sw.connect("carl", "phone").whenRung(RingResponse.answerAfter(Duration.ofMillis(300)));
        for (Device device : List.of(ann, annTablet, ben, carl)) {
            system.awaitLive(device, WAIT);
        }
        sw.phoneLine("+442079460001", RingResponse.answerAfter(Duration.ofMillis(300), Duration.ofMillis(2300)));
        sw.phoneLine("+442079460002", RingResponse.answerAfter(Duration.ofMillis(300), Duration.ofSeconds(30)));
        List<String> callIds = List.of(
                ann.dial("+442079460001", CallerScript.waitForOtherSide()),
                ben.dial("+442079460002", CallerScript.waitForOtherSide()), // cut off after 5 s
                annTablet.call("carl", CallerScript.hangUpAfterTalking(Duration.ofSeconds(1)))); // VoIP, free
        List<Call> calls = callIds.stream().map(id -> system.awaitEnded(id, WAIT)).toList();
        assertThat(calls).extracting(Call::endReason)
                .containsExactly(EndReason.COMPLETED, EndReason.CUT_OFF, EndReason.COMPLETED);
        LocalSystem.awaitCondition(WAIT, () -> settledOrNothingReserved("ann") && settledOrNothingReserved("ben"),
                "every reservation settled");

        Map<String, BigDecimal> exported = new HashMap<>();
        BigDecimal manifestTotal = BigDecimal.ZERO;
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        BillingExport export = new BillingExport(system.callDetailRecords(), s3.s3(), Resources.BILLING_EXPORTS.name());
        for (LocalDate day : List.of(today.minusDays(1), today)) { // the calls may straddle midnight UTC
            ExportManifest manifest = export.export(day);
            exported.putAll(retailByCall(day));
            if (manifest.totals().containsKey("USD")) {
                manifestTotal = manifestTotal.add(new BigDecimal(manifest.totals().get("USD").retail()));
            }
        }

        BigDecimal settled = BigDecimal.ZERO;
        for (String user : List.of("ann", "ben")) {
            for (LedgerEntry entry : system.accounts().ledger(user)) {
                if (entry.kind() == LedgerEntry.Kind.SETTLEMENT) {
                    BigDecimal charged = entry.amount().toBigDecimal().negate();
                    settled = settled.add(charged);
                    assertThat(exported.get(entry.reference())).as("the export's retail for " + entry.reference())
                            .isEqualByComparingTo(charged);
                }
            }
        }
        assertThat(exported).containsKeys(callIds.toArray(String[]::new));
        assertThat(manifestTotal).isEqualByComparingTo(settled);
        assertThat(settled).as("ann's call and ben's whole 0.10").isGreaterThan(new BigDecimal("0.10"));
    }

    static boolean settledOrNothingReserved(String user) {
        return system.accounts().account(user, Currency.getInstance("USD")).reserved().micros() == 0;
    }

    /** call_id to retail, read back from the day's gzip CSV in S3. */
    static Map<String, BigDecimal> retailByCall(LocalDate day) throws Exception {
        Map<String, BigDecimal> retail = new HashMap<>();
        try (var in = s3.s3().getObject(r -> r.bucket(Resources.BILLING_EXPORTS.name()).key(BillingExport.objectKey(day)));
                var lines = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.UTF_8))) {
            List<String> header = List.of(lines.readLine().split(","));
            int id = header.indexOf("call_id");
            int amount = header.indexOf("retail");
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                String[] cells = line.split(",", -1);
                retail.put(cells[id], new BigDecimal(cells[amount]));
            }
        }
        return retail;
    }
}
