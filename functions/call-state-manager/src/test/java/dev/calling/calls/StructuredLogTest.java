package dev.calling.calls;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.Resources;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.adapters.dynamodb.DynamoDbSubscriberDirectory;
import dev.calling.core.money.Money;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import dev.calling.core.session.Connection;
import dev.calling.core.session.ConnectionState;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.embedded.EmbeddedAwsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The log as the deployed function writes it: the packaged Lambda, with Quarkus's JSON log formatter (the test
 * profile writes it to {@code target/test-log.json}), handles a sample PSTN call request whose dial fails. Every
 * line is one JSON object; the lines of the call carry the function, the Lambda request id, the SQS message id and
 * the call id in {@code mdc}; the outcome is a field; the dialled number appears masked only.
 */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedAwsTestResource.class, restrictToAnnotatedClass = true)
class StructuredLogTest {

    static final Path LOG = Path.of("target", "test-log.json");
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CALL = "log-pstn-call-1";
    static final String MESSAGE_ID = "b7f0c6d2-5a0e-4d7c-8f1e-000000000010";
    static final String DIALLED = "+14155550123";

    @Test
    void everyLineOfACallIsOneJsonObjectWithTheCallsFields() throws Exception {
        EmbeddedAws aws = EmbeddedAwsTestResource.current();
        DynamoDbClient dynamoDb = aws.clients().dynamoDb();
        Instant t = Instant.parse("2026-01-01T09:59:00Z");
        new DynamoDbSessionStore(dynamoDb, Resources.SESSIONS.name()).open(new Connection("sample-alice", "phone",
                "sample-alice-c1", ConnectionState.OPEN, t, t, Instant.parse("2099-01-01T00:00:00Z")));
        new DynamoDbSubscriberDirectory(dynamoDb, Resources.SUBSCRIBERS.name()).put(
                new Subscriber("sample-alice", Optional.empty(), RoutingPlan.withPstn(List.of())));
        new DynamoDbAccounts(dynamoDb, Resources.ACCOUNTS.name()).topUp("sample-alice", "log-top-up",
                Money.of("10", "USD"), t);
        String event = Files.readString(Path.of(System.getProperty("events.samples.dir"), "call-state-manager",
                "call-requested-pstn.json")).replace("sample-pstn-call-1", CALL).replace("sample-req-pstn-1", "log-req-1");
        long before = Files.exists(LOG) ? Files.size(LOG) : 0;

        given().contentType("application/json").body(event).when().post().then().statusCode(200);

        List<String> lines = linesAfter(before);
        assertThat(lines).as("the invocation logs").isNotEmpty();
        List<JsonNode> records = new ArrayList<>();
        for (String line : lines) {
            JsonNode record = JSON.readTree(line);
            assertThat(record.isObject()).as(line).isTrue();
            assertThat(record.path("message").isTextual()).as(line).isTrue();
            assertThat(record.path("level").isTextual()).as(line).isTrue();
            assertThat(record.path("timestamp").isTextual()).as(line).isTrue();
            records.add(record);
        }
        List<JsonNode> ofTheCall = records.stream().filter(r -> r.path("message").asText().contains(CALL)).toList();
        assertThat(ofTheCall).as("lines about the call").isNotEmpty();
        for (JsonNode record : ofTheCall) {
            JsonNode mdc = record.path("mdc");
            assertThat(mdc.path("callId").asText()).as("%s", record).isEqualTo(CALL);
            assertThat(mdc.path("function").asText()).as("%s", record).isEqualTo("CallStateManager");
            assertThat(mdc.path("eventId").asText()).as("%s", record).isEqualTo(MESSAGE_ID);
            assertThat(mdc.path("requestId").asText()).as("the Lambda request id: %s", record).isNotBlank();
        }
        assertThat(ofTheCall).as("the handled event's outcome as a field")
                .anySatisfy(r -> assertThat(r.path("mdc").path("outcome").asText()).isNotBlank());
        assertThat(lines).as("the dialled number never in full").noneMatch(line -> line.contains(DIALLED));
    }

    /** The lines the log file got since it had {@code offset} bytes. */
    static List<String> linesAfter(long offset) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(LOG.toFile(), "r")) {
            byte[] added = new byte[(int) (file.length() - offset)];
            file.seek(offset);
            file.readFully(added);
            return new String(added, StandardCharsets.UTF_8).lines().filter(line -> !line.isBlank()).toList();
        }
    }
}
