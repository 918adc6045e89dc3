package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.Resources;
import dev.calling.adapters.billing.BillingExport;
import dev.calling.adapters.billing.DynamoDbCallDetailRecords;
import dev.calling.adapters.billing.ExportManifest;
import dev.calling.core.call.Attempt;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.RouteKind;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.money.Money;
import dev.calling.core.routing.AttemptOutcome;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The daily export end to end: call detail records written to dynalite (duplicates
 * included) and exported to s3mock, read back as S3 objects and checked row by row.
 */
class BillingExportTest {

    static final String BUCKET = Resources.BILLING_EXPORTS.name();
    static final List<String> COLUMNS = List.of("call_id", "caller_user_id", "callee", "dialled_number", "route",
            "provider_id", "attempts", "requested_at", "answered_at", "ended_at", "end_reason", "talk_seconds",
            "billable_seconds", "currency", "retail", "carrier_cost", "margin");

    static EmbeddedAws aws;
    static EmbeddedS3 s3mock;
    static DynamoDbClient dynamoDb;
    static DynamoDbCallDetailRecords records;

    @BeforeAll
    static void start() {
        var s3Started = EmbeddedS3.startInBackground(); // the slowest to start: alongside the others
        aws = EmbeddedAws.start();
        s3mock = s3Started.join();
        dynamoDb = aws.clients().dynamoDb();
        records = new DynamoDbCallDetailRecords(dynamoDb, Resources.CALL_DETAIL_RECORDS.name());
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        s3mock.close();
        aws.close();
    }

    @Test
    void exportsExactlyTheDaysRecordsWithHeaderValuesAndExactTotals() throws Exception {
        LocalDate day = LocalDate.parse("2026-11-24");
        List<CallDetailRecord> onDay = new ArrayList<>();
        onDay.add(pstn("cdr-a1", "2026-11-24T00:00:00Z", "0.123400", "0.045000", "USD"));
        onDay.add(pstn("cdr-a2", "2026-11-24T10:15:30.250Z", "1.000001", "1.200000", "USD")); // a loss
        onDay.add(pstn("cdr-a3", "2026-11-24T23:59:59.999999999Z", "2.500000", "0.900000", "EUR"));
        onDay.add(voipMissed("cdr-a4", "2026-11-24T12:00:00Z"));
        onDay.add(refused("cdr-a5", "2026-11-24T13:00:00Z")); // nobody pays: amounts in "no currency"
        for (int i = 0; i < 40; i++) { // enough calls to land in every shard
            onDay.add(pstn("cdr-bulk-" + i, "2026-11-24T08:00:" + (10 + i) + "Z", "0.0" + (10 + i), "0.00" + i, "USD"));
        }
        List<CallDetailRecord> otherDays = List.of(
                pstn("cdr-b1", "2026-11-25T00:00:00Z", "9.000000", "1.000000", "USD"),
                pstn("cdr-b2", "2026-11-23T23:59:59.999Z", "7.000000", "1.000000", "USD"));
        onDay.forEach(records::record);
        otherDays.forEach(records::record);
        // Redelivered ends of calls: the first record stays, whatever the repeat says.
        records.record(onDay.get(0));
        records.record(pstn("cdr-a2", "2026-11-24T10:15:30.250Z", "99.000000", "0.000000", "USD"));

        ExportManifest manifest = new BillingExport(records, s3mock.s3(), BUCKET).export(day);

        byte[] object = get(s3mock.s3(), "calls/2026/11/24/calls-2026-11-24.csv.gz");
        List<CSVRecord> rows = csv(object);
        assertThat(rows.get(0).toList()).containsExactlyElementsOf(COLUMNS);
        List<CSVRecord> data = rows.subList(1, rows.size());
        assertThat(data).extracting(r -> r.get(0))
                .containsExactlyInAnyOrderElementsOf(onDay.stream().map(CallDetailRecord::callId).toList());
        assertThat(byId(data, "cdr-a2")).containsExactly("cdr-a2", "alice", "+5511987654321", "+5511987654321",
                "PSTN", "atlas", "2", "2026-11-24T10:10:00.250Z", "2026-11-24T10:10:05.250Z", "2026-11-24T10:15:30.250Z",
                "COMPLETED", "325", "330", "USD", "1.000001", "1.200000", "-0.199999");
        assertThat(byId(data, "cdr-a4")).containsExactly("cdr-a4", "bob", "carol", "", "VOIP", "voip-switch", "1",
                "2026-11-24T11:59:15Z", "", "2026-11-24T12:00:00Z", "MISSED", "0", "0", "USD", "0.000000",
                "0.000000", "0.000000");
        assertThat(byId(data, "cdr-a3").get(9)).isEqualTo("2026-11-24T23:59:59.999999999Z");
        assertThat(byId(data, "cdr-a5")).containsExactly("cdr-a5", "alice", "+44791112", "+44791112", "PSTN", "", "0",
                "2026-11-24T13:00:00Z", "", "2026-11-24T13:00:00Z", "FAILED", "0", "0", "", "0.000000", "0.000000",
                "0.000000");

        // The manifest's totals are the exact sums of the rows, per currency.
        Map<String, BigDecimal[]> sums = new HashMap<>();
        for (CSVRecord row : data) {
            if (row.get(13).isEmpty()) {
                continue; // no currency, no charge
            }
            BigDecimal[] s = sums.computeIfAbsent(row.get(13), c -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
            for (int i = 0; i < 3; i++) {
                assertThat(row.get(14 + i)).matches("-?\\d+\\.\\d{6}");
                s[i] = s[i].add(new BigDecimal(row.get(14 + i)));
            }
        }
        JsonNode stored = new ObjectMapper().readTree(get(s3mock.s3(), "calls/2026/11/24/manifest.json"));
        assertThat(stored.get("rows").asLong()).isEqualTo(onDay.size()).isEqualTo(manifest.rows());
        assertThat(stored.get("day").asText()).isEqualTo("2026-11-24");
        assertThat(stored.get("objectKey").asText()).isEqualTo("calls/2026/11/24/calls-2026-11-24.csv.gz");
        assertThat(stored.get("columns")).extracting(JsonNode::asText).containsExactlyElementsOf(COLUMNS);
        // Only real currencies: the refused call's "no currency" (ISO 4217 XXX) has no totals line.
        assertThat(stored.get("totals").fieldNames()).toIterable().containsExactly("EUR", "USD");
        assertThat(manifest.totals()).containsOnlyKeys("EUR", "USD");
        sums.forEach((currency, s) -> {
            JsonNode totals = stored.get("totals").get(currency);
            assertThat(new BigDecimal(totals.get("retail").asText())).isEqualTo(s[0]);
            assertThat(new BigDecimal(totals.get("carrierCost").asText())).isEqualTo(s[1]);
            assertThat(new BigDecimal(totals.get("margin").asText())).isEqualTo(s[2]).isEqualTo(s[0].subtract(s[1]));
        });
        assertThat(stored.get("totals").get("EUR").get("retail").asText()).isEqualTo("2.500000");
        assertThat(stored.get("sha256").asText()).isEqualTo(sha256(object)).isEqualTo(manifest.sha256());
        assertThat(stored.get("compressedBytes").asLong()).isEqualTo(object.length);
        assertThat(get(s3mock.s3(), "calls/2026/11/24/manifest.json")).isEqualTo(manifest.toJsonBytes());
    }

    @Test
    void exportingADayAgainWritesByteIdenticalObjects() throws Exception {
        LocalDate day = LocalDate.parse("2026-10-02");
        for (int i = 0; i < 60; i++) {
            records.record(pstn("rerun-" + i, "2026-10-02T0" + (i % 10) + ":30:00Z", "0." + (100 + i), "0.05", "USD"));
        }
        String key = BillingExport.objectKey(day);
        BillingExport export = new BillingExport(records, s3mock.s3(), BUCKET);

        ExportManifest first = export.export(day);
        byte[] object = get(s3mock.s3(), key);
        byte[] manifest = get(s3mock.s3(), BillingExport.manifestKey(day));
        Thread.sleep(1_100); // a clock-dependent header or field would now differ
        ExportManifest second = export.export(day);

        assertThat(get(s3mock.s3(), key)).isEqualTo(object);
        assertThat(get(s3mock.s3(), BillingExport.manifestKey(day))).isEqualTo(manifest);
        assertThat(second).isEqualTo(first);
        // gzip header: magic, deflate, no flags, MTIME 0 (no timestamp).
        assertThat(Arrays.copyOfRange(object, 0, 8)).containsExactly(0x1f, 0x8b, 8, 0, 0, 0, 0, 0);
        // and the rows come out in the store's stable order: shard by shard, each by end time then call id
        assertThat(csv(object)).hasSize(61);
    }

    @Test
    void anEmptyDayGetsAHeaderOnlyFileAndAManifestWithZeroRows() throws Exception {
        LocalDate day = LocalDate.parse("2026-01-01");
        ExportManifest manifest = new BillingExport(records, s3mock.s3(), BUCKET).export(day);

        List<CSVRecord> rows = csv(get(s3mock.s3(), "calls/2026/01/01/calls-2026-01-01.csv.gz"));
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).toList()).containsExactlyElementsOf(COLUMNS);
        JsonNode stored = new ObjectMapper().readTree(get(s3mock.s3(), "calls/2026/01/01/manifest.json"));
        assertThat(stored.get("rows").asLong()).isZero();
        assertThat(stored.get("totals").size()).isZero();
        assertThat(manifest.rows()).isZero();
    }

    @Test
    void aShardStreamsInEndTimeOrderWhateverTheFractionOfASecond() {
        LocalDate day = LocalDate.parse("2026-09-09");
        List<String> sameShard = new ArrayList<>();
        for (int i = 0; sameShard.size() < 4; i++) { // ids in one shard: CRC-32 of the id mod 16, as documented
            CRC32 crc = new CRC32();
            crc.update(("order-" + i).getBytes(StandardCharsets.UTF_8));
            if (crc.getValue() % 16 == 5) {
                sameShard.add("order-" + i);
            }
        }
        // Instant.toString() would sort "10:00:00.5Z" before "10:00:00Z"; the sort key must not.
        records.record(pstn(sameShard.get(0), "2026-09-09T10:00:01Z", "0.1", "0", "USD"));
        records.record(pstn(sameShard.get(1), "2026-09-09T10:00:00.500Z", "0.1", "0", "USD"));
        records.record(pstn(sameShard.get(2), "2026-09-09T10:00:00Z", "0.1", "0", "USD"));
        records.record(pstn(sameShard.get(3), "2026-09-09T09:59:59.999999999Z", "0.1", "0", "USD"));

        List<String> order = new ArrayList<>();
        records.forEachEndedOn(day, cdr -> order.add(cdr.callId()));

        assertThat(order).containsExactly(sameShard.get(3), sameShard.get(2), sameShard.get(1), sameShard.get(0));
    }

    @Test
    void aRecordReadsBackAsItWasWritten() {
        CallDetailRecord pstn = pstn("roundtrip-1", "2026-09-10T08:00:00.123456789Z", "1.234567", "0.000001", "EUR");
        CallDetailRecord voip = voipMissed("roundtrip-2", "2026-09-10T09:00:00Z");
        records.record(pstn);
        records.record(voip);

        List<CallDetailRecord> read = new ArrayList<>();
        records.forEachEndedOn(LocalDate.parse("2026-09-10"), read::add);

        assertThat(read).containsExactlyInAnyOrder(pstn, voip);
    }

    @Test
    void aRevisionReplacesARecordWithMoreTalkMovesItToItsDayAndIsNotUndoneByTheFirstRecordArrivingLate() {
        CallDetailRecord cutOff = pstn("cdr-rev1", "2026-11-27T00:10:00Z", "7.200000", "1.000000", "USD");
        CallDetailRecord revised = revised(cutOff, Instant.parse("2026-11-26T23:59:00Z"), 13, "0.130000");
        records.record(cutOff);

        records.revise(revised);
        records.record(cutOff); // the first end's charge, redelivered: changes nothing
        records.revise(revised(cutOff, Instant.parse("2026-11-27T00:05:00Z"), 200, "2.000000")); // more talk: no

        assertThat(endedOn("2026-11-26")).containsExactly(revised);
        assertThat(endedOn("2026-11-27")).isEmpty();

        CallDetailRecord neverRecorded = pstn("cdr-rev2", "2026-11-26T12:00:00Z", "3.000000", "1.000000", "USD");
        CallDetailRecord revisedFirst = revised(neverRecorded, neverRecorded.endedAt().minusSeconds(300), 25, "0.250000");
        records.revise(revisedFirst); // before the first record got through
        records.record(neverRecorded);
        assertThat(endedOn("2026-11-26")).contains(revisedFirst).doesNotContain(neverRecorded);
    }

    static List<CallDetailRecord> endedOn(String day) {
        List<CallDetailRecord> found = new ArrayList<>();
        records.forEachEndedOn(LocalDate.parse(day), found::add);
        return found;
    }

    static CallDetailRecord revised(CallDetailRecord cdr, Instant endedAt, long talk, String retail) {
        return new CallDetailRecord(cdr.callId(), cdr.callerUserId(), cdr.callee(), cdr.dialledNumber(), cdr.route(),
                cdr.providerId(), cdr.attempts(), cdr.requestedAt(), cdr.answeredAt(), endedAt, EndReason.COMPLETED,
                talk, talk, Money.of(retail, cdr.retail().currency().getCurrencyCode()), cdr.carrierCost());
    }

    static CallDetailRecord pstn(String callId, String endedAt, String retail, String cost, String currency) {
        Instant ended = Instant.parse(endedAt);
        Instant requested = ended.minusSeconds(330);
        Instant answered = requested.plusSeconds(5);
        return new CallDetailRecord(callId, "alice", "+5511987654321", "+5511987654321", RouteKind.PSTN, "atlas",
                List.of(new Attempt(1, "cobalt", requested, requested.plusSeconds(1), AttemptOutcome.CARRIER_FAILURE, 503),
                        new Attempt(2, "atlas", requested.plusSeconds(1), ended, AttemptOutcome.ANSWERED, 0)),
                requested, answered, ended, EndReason.COMPLETED, 325, 330,
                Money.of(retail, currency), Money.of(cost, currency));
    }

    /** A PSTN call refused before any carrier (an invalid number), as the core records it: amounts in "XXX". */
    static CallDetailRecord refused(String callId, String endedAt) {
        Instant ended = Instant.parse(endedAt);
        java.util.Currency none = java.util.Currency.getInstance("XXX");
        return new CallDetailRecord(callId, "alice", "+44791112", "+44791112", RouteKind.PSTN, null, List.of(), ended,
                null, ended, EndReason.FAILED, 0, 0, Money.zero(none), Money.zero(none));
    }

    static CallDetailRecord voipMissed(String callId, String endedAt) {
        Instant ended = Instant.parse(endedAt);
        Instant requested = ended.minusSeconds(45);
        return new CallDetailRecord(callId, "bob", "carol", null, RouteKind.VOIP, "voip-switch",
                List.of(new Attempt(1, "voip-switch", requested, ended, AttemptOutcome.NO_ANSWER, 0)),
                requested, null, ended, EndReason.MISSED, 0, 0, Money.zero(java.util.Currency.getInstance("USD")),
                Money.zero(java.util.Currency.getInstance("USD")));
    }

    static byte[] get(S3Client s3, String key) {
        return s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(key)).asByteArray();
    }

    static List<CSVRecord> csv(byte[] gzip) throws Exception {
        try (var reader = new InputStreamReader(new GZIPInputStream(new ByteArrayInputStream(gzip)), StandardCharsets.UTF_8)) {
            return CSVFormat.RFC4180.parse(reader).getRecords();
        }
    }

    static List<String> byId(List<CSVRecord> rows, String callId) {
        return rows.stream().filter(r -> r.get(0).equals(callId)).findFirst().orElseThrow().toList();
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
