package dev.calling.sma;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallEvent;
import dev.calling.embedded.EmbeddedAwsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The packaged Lambda, invoked through Quarkus's mock Lambda event server (port 8082) with the
 * sample SIP media application events from {@code events-samples/}, against dynalite and
 * ElasticMQ: a dial-out that rings, is answered and is bridged to the caller's connection.
 */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedAwsTestResource.class, restrictToAnnotatedClass = true)
class SipMediaHandlerLambdaTest {

    static String sample(String name) throws Exception {
        return Files.readString(Path.of(System.getProperty("events.samples.dir"), "sip-media-handler", name));
    }

    static JsonPath invoke(String event) {
        return given().contentType("application/json").body(event)
                .when().post()
                .then().statusCode(200)
                .extract().jsonPath();
    }

    @Test
    void answeredDialOutIsReportedInSequenceAndBridgedToTheCallersConnection() throws Exception {
        assertThat(invoke(sample("new-outbound-call.json")).getList("Actions")).isEmpty();
        assertThat(invoke(sample("ringing.json")).getList("Actions")).isEmpty();
        assertThat(invoke(sample("call-answered.json")).getList("Actions")).isEmpty();
        JsonPath bridge = invoke(sample("call-update-requested-bridge.json"));

        assertThat(bridge.getString("SchemaVersion")).isEqualTo("1.0");
        assertThat(bridge.getList("Actions.Type")).containsExactly("CallAndBridge");
        Map<String, Object> endpoint = bridge.getMap("Actions[0].Parameters.Endpoints[0]");
        assertThat(endpoint).containsEntry("BridgeEndpointType", "AWS")
                .containsEntry("Arn", "arn:aws:chime:us-east-1:123456789012:vc/abcdefghijklmnopqrstuv")
                .containsEntry("Uri", "sample-alice-c1");
        assertThat(bridge.getString("Actions[0].Parameters.CallerIdNumber")).isEqualTo("+12065550100");

        List<CallEvent> published = drainCallStateChanges();
        assertThat(published).extracting(e -> e.getClass().getSimpleName()).containsExactly("CallRinging", "CallAnswered");
        assertThat(published).extracting(CallEvent::callId).containsOnly("sample-pstn-call-1");
        assertThat(published).extracting(CallEvent::attempt).containsOnly(1);
        assertThat(published).extracting(CallEvent::switchSequence).containsExactly(1L, 2L);
    }

    static List<CallEvent> drainCallStateChanges() {
        var aws = EmbeddedAwsTestResource.current();
        String url = aws.queueUrl(Resources.CALL_STATE_CHANGES);
        try (SqsClient sqs = aws.clients().sqs()) {
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages();
            messages.forEach(m -> sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle())));
            return messages.stream().map(m -> Json.readCallEvent(m.body())).toList();
        }
    }
}
