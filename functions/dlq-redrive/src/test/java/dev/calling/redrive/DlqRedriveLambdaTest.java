package dev.calling.redrive;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.embedded.EmbeddedAwsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The packaged DlqRedrive Lambda, invoked through Quarkus's mock Lambda event server (port 8091) with
 * an operator's requests from {@code src/test/resources/events/}, against ElasticMQ.
 */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedAwsTestResource.class, restrictToAnnotatedClass = true)
class DlqRedriveLambdaTest {

    static String event(String name) throws IOException {
        try (InputStream in = DlqRedriveLambdaTest.class.getResourceAsStream("/events/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static JsonPath invoke(String event, int status) {
        return given().contentType("application/json").body(event)
                .when().post()
                .then().statusCode(status)
                .extract().jsonPath();
    }

    @Test
    void anOperatorCountsThenMovesACallsDeadLetteredEventsBackInOrder() throws Exception {
        EmbeddedAws aws = EmbeddedAwsTestResource.current();
        try (SqsClient sqs = aws.clients().sqs()) {
            String dlq = aws.deadLetterQueueUrl(Resources.CALL_STATE_CHANGES);
            for (String body : List.of("first", "second", "third")) {
                sqs.sendMessage(r -> r.queueUrl(dlq).messageBody(body).messageGroupId("call-1")
                        .messageDeduplicationId(body));
            }

            JsonPath dryRun = invoke(event("dry-run.json"), 200);
            assertThat(dryRun.getBoolean("dryRun")).isTrue();
            assertThat(dryRun.getInt("peeked")).isEqualTo(3);
            assertThat(dryRun.getInt("moved")).isZero();
            assertThat(aws.drain(sqs, Resources.CALL_STATE_CHANGES, Duration.ZERO)).isEmpty();

            JsonPath moved = invoke(event("redrive.json"), 200);
            assertThat(moved.getInt("moved")).isEqualTo(3);
            assertThat(moved.getMap("groups")).isEqualTo(Map.of("call-1", 3));
            assertThat(moved.getList("failures")).isEmpty();
            assertThat(moved.getString("stop")).isEqualTo("DRAINED");
            assertThat(moved.getString("deadLetterQueue")).isEqualTo("call-state-changes-dlq.fifo");
            List<Message> back = aws.drain(sqs, Resources.CALL_STATE_CHANGES, Duration.ofSeconds(1));
            assertThat(back).extracting(Message::body).containsExactly("first", "second", "third");
            assertThat(back).extracting(m -> m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID))
                    .containsOnly("call-1");
        }
    }

    @Test
    void anUnknownQueueIsRefusedWithTheKnownOnes() throws Exception {
        String error = invoke(event("unknown-queue.json"), 500).getString("errorMessage");

        assertThat(error).contains("unknown queue 'call-state-change'");
        Resources.QUEUES.forEach(queue -> assertThat(error).contains(queue.name()));
    }

    @Test
    void aMisspeltFieldIsRefusedRatherThanIgnored() throws Exception {
        // Ignored, "dryrun" would have moved what the operator meant to count.
        assertThat(invoke(event("misspelt-field.json"), 500).getString("errorMessage"))
                .contains("unknown field(s) [dryrun]");
    }
}
