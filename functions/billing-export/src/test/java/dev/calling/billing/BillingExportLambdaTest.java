package dev.calling.billing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.billing.DynamoDbCallDetailRecords;
import dev.calling.core.call.Attempt;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.RouteKind;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.money.Money;
import dev.calling.core.routing.AttemptOutcome;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The packaged Lambda, invoked through Quarkus's mock Lambda event server with the sample
 * EventBridge scheduled event and the manual re-run from {@code events-samples/}, reading
 * dynalite and writing to s3mock.
 */
@QuarkusTest
@QuarkusTestResource(value = BillingExportTestResource.class, restrictToAnnotatedClass = true)
class BillingExportLambdaTest {

    static final String BUCKET = Resources.BILLING_EXPORTS.name();
    static final String OBJECT = "calls/2026/11/24/calls-2026-11-24.csv.gz";

    static String sample(String name) throws Exception {
        return Files.readString(Path.of(System.getProperty("events.samples.dir"), "billing-export", name));
    }

    @Test
    void theScheduleExportsThePreviousDayAndAReRunWritesTheSameBytes() throws Exception {
        try (DynamoDbClient dynamoDb = BillingExportTestResource.aws().clients().dynamoDb()) {
            var records = new DynamoDbCallDetailRecords(dynamoDb, Resources.CALL_DETAIL_RECORDS.name());
            records.record(cdr("sample-call-1", "2026-11-24T09:00:00Z", "0.600000", "0.210000"));
            records.record(cdr("sample-call-2", "2026-11-24T23:59:59Z", "1.200000", "0.420000"));
            records.record(cdr("sample-call-3", "2026-11-25T00:10:00Z", "5.000000", "1.000000")); // the schedule's own day
        }

        JsonPath scheduled = given().contentType("application/json").body(sample("scheduled-event.json"))
                .when().post()
                .then().statusCode(200)
                .extract().jsonPath();

        assertThat(scheduled.getString("day")).isEqualTo("2026-11-24");
        assertThat(scheduled.getLong("rows")).isEqualTo(2);
        assertThat(scheduled.getString("objectKey")).isEqualTo(OBJECT);
        assertThat(scheduled.getString("totals.USD.retail")).isEqualTo("1.800000");
        assertThat(scheduled.getString("totals.USD.carrierCost")).isEqualTo("0.630000");
        assertThat(scheduled.getString("totals.USD.margin")).isEqualTo("1.170000");
        var s3 = BillingExportTestResource.s3mock().s3();
        byte[] object = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(OBJECT)).asByteArray();
        assertThat(scheduled.getString("sha256"))
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(object)));
        String csv = new String(new GZIPInputStream(new ByteArrayInputStream(object)).readAllBytes(), StandardCharsets.UTF_8);
        assertThat(csv).startsWith("call_id,caller_user_id,callee,").contains("sample-call-1", "sample-call-2")
                .doesNotContain("sample-call-3");
        byte[] manifest = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("calls/2026/11/24/manifest.json")).asByteArray();

        String rerun = given().contentType("application/json").body(sample("manual-rerun.json"))
                .when().post()
                .then().statusCode(200)
                .extract().asString();

        assertThat(JsonPath.from(rerun).getString("day")).isEqualTo("2026-11-24");
        assertThat(JsonPath.from(rerun).getString("sha256")).isEqualTo(scheduled.getString("sha256"));
        assertThat(s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(OBJECT)).asByteArray()).isEqualTo(object);
        assertThat(s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("calls/2026/11/24/manifest.json")).asByteArray())
                .isEqualTo(manifest);
    }

    static CallDetailRecord cdr(String callId, String endedAt, String retail, String cost) {
        Instant ended = Instant.parse(endedAt);
        Instant requested = ended.minusSeconds(70);
        Instant answered = requested.plusSeconds(10);
        return new CallDetailRecord(callId, "sample-alice", "+5511987654321", "+5511987654321", RouteKind.PSTN, "atlas",
                List.of(new Attempt(1, "atlas", requested, ended, AttemptOutcome.ANSWERED, 0)), requested, answered,
                ended, EndReason.COMPLETED, 60, 60, Money.of(retail, "USD"), Money.of(cost, "USD"));
    }
}
