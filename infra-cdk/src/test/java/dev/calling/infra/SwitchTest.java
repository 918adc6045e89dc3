package dev.calling.infra;

import static dev.calling.infra.TestApp.PREFIX;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Switch on Amazon Chime SDK Meetings (the default {@code switch=chime-meetings}): its function,
 * configuration and event sources, the EventBridge rule that feeds it Chime's meeting events, and its
 * Chime grant, limited to this account's meetings.
 */
class SwitchTest {

    static TestApp.Synthesised app;

    @BeforeAll
    static void synthesise() {
        app = TestApp.get();
    }

    @Test
    void switchRunsTheSwitchHandlerOfItsOwnZipAndLearnsItsTableQueuesEndpointAndMediaRegion() {
        JsonNode env = FunctionsTest.environment("Switch");
        assertThat(FunctionsTest.fieldNames(env)).containsExactlyInAnyOrder("CALLING_TABLES_CALL_MEDIA",
                "CALLING_QUEUES_CALL_STATE_CHANGES", "CALLING_QUEUES_SWITCH_COMMANDS", "CALLING_REALTIME_ENDPOINT",
                "CALLING_CHIME_MEETINGS_MEDIA_REGION");
        assertThat(env.path("CALLING_TABLES_CALL_MEDIA").asText()).isEqualTo(PREFIX + "call-media");
        assertThat(LeastPrivilegeTest.render(env.get("CALLING_QUEUES_SWITCH_COMMANDS")))
                .endsWith("/<AWS::AccountId>/" + PREFIX + "switch-commands.fifo");
        assertThat(LeastPrivilegeTest.render(env.get("CALLING_QUEUES_CALL_STATE_CHANGES")))
                .endsWith("/<AWS::AccountId>/" + PREFIX + "call-state-changes.fifo");
        assertThat(env.path("CALLING_CHIME_MEETINGS_MEDIA_REGION").asText()).isEqualTo("eu-west-1");
        assertThat(env.has("CALLING_CHIME_MEETINGS_REGION")).as("the function's own region by default").isFalse();
        // The same WebSocket callback URL as the CallStateManager's.
        assertThat(env.get("CALLING_REALTIME_ENDPOINT"))
                .isEqualTo(FunctionsTest.environment("CallStateManager").get("CALLING_REALTIME_ENDPOINT"));
        // The module's application.properties picks the handler (quarkus.lambda.handler=Switch).
        assertThat(app.stacks().service().function("Switch").settings().module()).isEqualTo("switch");
    }

    @Test
    void withoutAMediaRegionTheMeetingsAreHostedInTheStacksRegion() {
        TestApp.Synthesised defaults = TestApp.synthesise(Map.of("stage", "test"));
        assertThat(FunctionsTest.properties(defaults, "Switch").at("/Environment/Variables/CALLING_CHIME_MEETINGS_MEDIA_REGION/Ref")
                .asText()).isEqualTo("AWS::Region");
    }

    @Test
    void switchConsumesSwitchCommandsAndMeetingEventsOnItsAlias() {
        Map<String, JsonNode> sources = FunctionsTest.eventSources(app);
        for (String queue : List.of("switch-commands.fifo", "meeting-events")) {
            JsonNode mapping = sources.get(":" + PREFIX + queue);
            assertThat(mapping).as(queue).isNotNull();
            assertThat(mapping.at("/FunctionName/Fn::Join/1/0/Fn::Select/1/Fn::Split/1/Ref").asText()).startsWith("SwitchLive");
            assertThat(mapping.path("FunctionResponseTypes").get(0).asText()).isEqualTo("ReportBatchItemFailures");
        }
        // 60 s visibility on both queues: a sixth of it.
        assertThat(FunctionsTest.properties("Switch").path("Timeout").asInt()).isEqualTo(10);
    }

    @Test
    void meetingEventsRuleSendsChimesAttendeeAndMeetingEndEventsAsTheyAreToTheQueue() {
        JsonNode rule = meetingEventsRule(app);
        assertThat(rule.path("Name").asText()).isEqualTo(PREFIX + "meeting-events");
        assertThat(rule.path("EventBusName").isMissingNode()).as("the default bus").isTrue();
        assertThat(rule.path("State").asText()).isEqualTo("ENABLED");
        JsonNode pattern = rule.get("EventPattern");
        assertThat(texts(pattern.get("source"))).containsExactly("aws.chime");
        assertThat(texts(pattern.get("detail-type"))).containsExactly("Chime Meeting State Change");
        assertThat(texts(pattern.at("/detail/eventType")))
                .containsExactly("chime:AttendeeLeft", "chime:AttendeeDropped", "chime:MeetingEnded");
        assertThat(FunctionsTest.fieldNames(pattern)).containsExactlyInAnyOrder("source", "detail-type", "detail");

        assertThat(rule.get("Targets")).hasSize(1);
        JsonNode target = rule.at("/Targets/0");
        assertThat(LeastPrivilegeTest.render(target.get("Arn")))
                .isEqualTo("arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:" + PREFIX + "meeting-events");
        assertThat(target.has("Input") || target.has("InputPath") || target.has("InputTransformer"))
                .as("the raw event is the message body").isFalse();
        String deadLetters = target.at("/DeadLetterConfig/Arn/Fn::GetAtt/0").asText();
        assertThat(deadLetters).startsWith("MeetingEventsDeadLetters");
        JsonNode queue = app.serviceJson().at("/Resources/" + deadLetters + "/Properties");
        assertThat(queue.path("QueueName").asText()).isEqualTo(PREFIX + "meeting-events-rule-dlq");
        assertThat(queue.path("SqsManagedSseEnabled").asBoolean()).isTrue();
        assertThat(queue.path("MessageRetentionPeriod").asInt()).isEqualTo(1_209_600);
    }

    @Test
    void onlyTheRuleMaySendToItsDeadLetterQueue() {
        JsonNode rule = meetingEventsRule(app);
        String deadLetters = rule.at("/Targets/0/DeadLetterConfig/Arn/Fn::GetAtt/0").asText();
        JsonNode policy = app.resources(app.serviceJson(), "AWS::SQS::QueuePolicy").stream().map(Map.Entry::getValue)
                .filter(p -> p.at("/Properties/Queues/0/Ref").asText().equals(deadLetters)).findFirst().orElseThrow();
        JsonNode statements = policy.at("/Properties/PolicyDocument/Statement");
        assertThat(statements.get(0).at("/Condition/Bool/aws:SecureTransport").asText()).isEqualTo("false");
        JsonNode allow = statements.get(1);
        assertThat(allow.at("/Principal/Service").asText()).isEqualTo("events.amazonaws.com");
        assertThat(allow.path("Action").asText()).isEqualTo("sqs:SendMessage");
        assertThat(allow.at("/Condition/ArnEquals/aws:SourceArn/Fn::GetAtt/0").asText()).startsWith("MeetingEventsRule");
        assertThat(statements).hasSize(2);
    }

    @Test
    void chimeIsAllowedOnlyOnThisAccountsMeetingsInItsRegionNeverOnEverything() {
        List<JsonNode> chime = chimeStatements(app, "Switch");
        assertThat(chime).hasSize(1);
        assertThat(texts(chime.get(0).get("Action"))).containsExactlyInAnyOrder("chime:CreateMeeting",
                "chime:CreateAttendee", "chime:DeleteAttendee", "chime:DeleteMeeting", "chime:GetMeeting");
        assertThat(chime.get(0).get("Resource").isArray()).as("one resource").isFalse();
        assertThat(LeastPrivilegeTest.render(chime.get(0).get("Resource")))
                .isEqualTo("arn:<AWS::Partition>:chime:<AWS::Region>:<AWS::AccountId>:meeting/*");
        assertThat(chimeStatements(app, "CallApi")).isEmpty();
    }

    @Test
    void aChimeCarrierWithoutAVoiceConnectorLetsTheCallStateManagerSeatPhoneLegsInMeetings() {
        java.util.Map<String, Object> context = new java.util.HashMap<>(TestApp.CONTEXT);
        context.remove("chimeVoiceConnectorArn");
        TestApp.Synthesised meetings = TestApp.synthesise(context);

        JsonNode manager = FunctionsTest.properties(meetings, "CallStateManager").at("/Environment/Variables");
        assertThat(FunctionsTest.fieldNames(manager)).contains("CALLING_TABLES_CALL_MEDIA",
                "CALLING_CHIME_MEETINGS_MEDIA_REGION").doesNotContain("CALLING_CARRIERS_CHIME_VOICE_CONNECTOR_ARN");
        assertThat(FunctionsTest.fieldNames(FunctionsTest.properties(meetings, "SipMediaHandler")
                .at("/Environment/Variables"))).doesNotContain("CALLING_CHIME_VOICE_CONNECTOR_ARN");
        List<JsonNode> granted = meetingStatements(meetings, "CallStateManager");
        assertThat(granted).hasSize(1);
        assertThat(LeastPrivilegeTest.render(granted.get(0).get("Resource")))
                .isEqualTo("arn:<AWS::Partition>:chime:<AWS::Region>:<AWS::AccountId>:meeting/*");
        assertThat(meetingStatements(app, "CallStateManager")).as("with a Voice Connector: no meetings").isEmpty();

        context.put("switch", "external");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestApp.synthesise(context))
                .hasMessageContaining("switch=chime-meetings");
    }

    static List<JsonNode> meetingStatements(TestApp.Synthesised app, String function) {
        return chimeStatements(app, function).stream()
                .filter(statement -> texts(statement.get("Action")).contains("chime:CreateMeeting")).toList();
    }

    static JsonNode meetingEventsRule(TestApp.Synthesised app) {
        return app.resources(app.serviceJson(), "AWS::Events::Rule").stream().map(r -> r.getValue().get("Properties"))
                .filter(r -> r.has("EventPattern")).findFirst().orElseThrow();
    }

    /** The statements of a function's policy that allow any chime: action. */
    static List<JsonNode> chimeStatements(TestApp.Synthesised app, String function) {
        JsonNode policy = app.resources(app.serviceJson(), "AWS::IAM::Policy").stream()
                .filter(p -> p.getKey().startsWith(function + "RoleDefaultPolicy")).findFirst().orElseThrow().getValue();
        List<JsonNode> found = new java.util.ArrayList<>();
        policy.at("/Properties/PolicyDocument/Statement").forEach(statement -> {
            if (texts(statement.get("Action")).stream().anyMatch(action -> action.startsWith("chime:"))) {
                found.add(statement);
            }
        });
        return found;
    }

    static List<String> texts(JsonNode node) {
        List<String> values = new java.util.ArrayList<>();
        if (node.isArray()) {
            node.forEach(value -> values.add(value.asText()));
        } else {
            values.add(node.asText());
        }
        return values;
    }
}
