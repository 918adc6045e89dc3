package dev.calling.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.infra.service.CallingFunction;
import dev.calling.infra.service.CallingFunction.Settings;
import dev.calling.infra.service.DataByName;
import dev.calling.infra.service.FunctionCode;
import dev.calling.infra.service.MeetingEventsForwarder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * A VoIP-only deployment on a new account (nothing but reserved concurrency off and the API
 * Gateway logging role on, no push platform applications), one with an external switch fleet, one whose Chime control region is not
 * the app's, one whose only carrier is Twilio (no Chime at all; its secret by partial ARN under a
 * customer-managed key, its status callbacks on a custom domain), and the synth-time guards that keep
 * queues and functions consistent.
 */
class DeploymentVariantsTest {

    static TestApp.Synthesised voipOnly;
    static TestApp.Synthesised externalSwitch;
    static TestApp.Synthesised remoteChime;
    static TestApp.Synthesised twilioOnly;
    static TestApp.Synthesised restOnly;

    /** A REST-only deployment: one secret holds both the API key and the webhook secrets, under a customer-managed key. */
    static final String REST_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:calling/atlas-Ab12Cd";

    static final String TWILIO_PARTIAL_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:calling/twilio";
    static final String TWILIO_KMS_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    @BeforeAll
    static void synthesise() {
        voipOnly = TestApp.synthesise(Map.of("stage", "voip", "reservedConcurrency", "false",
                "apiGatewayCloudWatchRole", "true"));
        externalSwitch = TestApp.synthesise(Map.of("stage", "ext", "switch", "external"));
        remoteChime = TestApp.synthesise(Map.of("stage", "remote", "chimeMeetingsRegion", "eu-central-1"),
                Optional.of("eu-west-1"));
        Map<String, Object> twilio = new java.util.HashMap<>(TwilioCarrierTest.twilioSettings(TWILIO_PARTIAL_SECRET_ARN));
        twilio.put("kms-key-arn", TWILIO_KMS_KEY_ARN);
        twilio.put("status-callback-url", "https://calls.example.com/carrier-webhooks/twilio");
        twilioOnly = TestApp.synthesise(Map.of("stage", "test", "carriers", Map.of("twilio", twilio)));
        restOnly = TestApp.synthesise(Map.of("stage", "rest", "carriers", Map.of("atlas", Map.of("adapter", "REST",
                "rate-deck", "rate-decks/atlas.csv.gz", "base-url", "https://api.atlas.example",
                "from-number", "+14155550100", "bridge-sip-uri", "sip:{connectionId}@media.example",
                "api-key-secret-id", REST_SECRET_ARN, "webhook-secret-id", REST_SECRET_ARN,
                "kms-key-arn", TWILIO_KMS_KEY_ARN))));
    }

    @Test
    void aTwilioOnlyDeploymentReadsItsSecretByPartialArnAndDecryptsOnlyThroughSecretsManager() {
        Map<String, java.util.Set<String>> secret = LeastPrivilegeTest.expected(
                "secret:calling/twilio-??????", LeastPrivilegeTest.GET_SECRET,
                "kms:key/1234abcd-12ab-34cd-56ef-1234567890ab", Set.of("kms:Decrypt"));
        assertThat(LeastPrivilegeTest.access(twilioOnly, "CallStateManager")).containsAllEntriesOf(secret)
                .doesNotContainKeys("chime:sma/5f2e7c1a-0d3b-4e8f-9a6c-1b2d3e4f5a60")
                .containsKey("table:call-media");
        assertThat(LeastPrivilegeTest.access(twilioOnly, "CarrierWebhook")).containsAllEntriesOf(secret).hasSize(4);
        for (String function : List.of("CallStateManager", "CarrierWebhook")) {
            JsonNode decrypt = statements(twilioOnly, function).stream()
                    .filter(s -> s.path("Action").asText().equals("kms:Decrypt")).findFirst().orElseThrow();
            assertThat(decrypt.at("/Condition/StringEquals/kms:ViaService").asText())
                    .isEqualTo("secretsmanager.eu-west-1.amazonaws.com");
            assertThat(decrypt.at("/Condition/StringLike/kms:EncryptionContext:SecretARN").asText())
                    .isEqualTo(TWILIO_PARTIAL_SECRET_ARN + "-??????");
            JsonNode env = FunctionsTest.properties(twilioOnly, function).at("/Environment/Variables");
            assertThat(env.path("CALLING_CARRIERS_TWILIO_SECRET_ID").asText()).as("the functions ask for the ARN as given")
                    .isEqualTo(TWILIO_PARTIAL_SECRET_ARN);
            assertThat(env.path("CALLING_CARRIERS_TWILIO_STATUS_CALLBACK_URL").asText())
                    .isEqualTo("https://calls.example.com/carrier-webhooks/twilio");
            assertThat(env.has("CALLING_CARRIERS_TWILIO_KMS_KEY_ARN")).as("for the grant only").isFalse();
        }
        assertThat(FunctionsTest.properties(twilioOnly, "SipMediaHandler").at("/Environment/Variables")
                .has("CALLING_CHIME_PROVIDER_ID")).isFalse();
        assertThat(twilioOnly.serviceJson().toString()).doesNotContain("chime:CreateSipMediaApplicationCall")
                .doesNotContain("resolve:secretsmanager");
        for (Stack stack : List.of(twilioOnly.stacks().data(), twilioOnly.stacks().service())) {
            assertThat(Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
            assertThat(Annotations.fromStack(stack).findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        }
    }

    @Test
    void aRestOnlyDeploymentGivesTheFunctionsTheSecretsArnAndMayReadAndDecryptOnlyThatSecret() {
        Map<String, java.util.Set<String>> secret = LeastPrivilegeTest.expected(
                "secret:calling/atlas-Ab12Cd", LeastPrivilegeTest.GET_SECRET,
                "kms:key/1234abcd-12ab-34cd-56ef-1234567890ab", Set.of("kms:Decrypt"));
        assertThat(LeastPrivilegeTest.access(restOnly, "CallStateManager")).containsAllEntriesOf(secret);
        assertThat(LeastPrivilegeTest.access(restOnly, "CarrierWebhook")).containsAllEntriesOf(secret).hasSize(4);
        JsonNode manager = FunctionsTest.properties(restOnly, "CallStateManager").at("/Environment/Variables");
        assertThat(manager.path("CALLING_CARRIERS_ATLAS_API_KEY_SECRET_ID").asText()).isEqualTo(REST_SECRET_ARN);
        assertThat(manager.has("CALLING_CARRIERS_ATLAS_WEBHOOK_SECRET_ID")).isFalse();
        assertThat(manager.has("CALLING_CARRIERS_ATLAS_KMS_KEY_ARN")).as("for the grant only").isFalse();
        JsonNode webhook = FunctionsTest.properties(restOnly, "CarrierWebhook").at("/Environment/Variables");
        assertThat(webhook.path("CALLING_CARRIERS_ATLAS_WEBHOOK_SECRET_ID").asText()).isEqualTo(REST_SECRET_ARN);
        assertThat(webhook.path("CALLING_CARRIERS_ATLAS_API_KEY_SECRET_ID").asText()).isEqualTo(REST_SECRET_ARN);
        for (Stack stack : List.of(restOnly.stacks().data(), restOnly.stacks().service())) {
            assertThat(Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        }
    }

    @Test
    void noFunctionEnvironmentOfAnyDeploymentHoldsASecretsManagerDynamicReference() {
        Map<String, TestApp.Synthesised> variants = Map.of("full", TestApp.get(), "voipOnly", voipOnly,
                "externalSwitch", externalSwitch, "remoteChime", remoteChime, "twilioOnly", twilioOnly, "restOnly", restOnly);
        variants.forEach((name, app) -> {
            List<Map.Entry<String, JsonNode>> functions = app.resources(app.serviceJson(), "AWS::Lambda::Function");
            assertThat(functions).as(name).isNotEmpty();
            functions.forEach(function -> assertThat(function.getValue().at("/Properties/Environment").toString())
                    .as(name + " " + function.getKey()).doesNotContain("{{resolve:secretsmanager")
                    .doesNotContain("resolve:secretsmanager"));
            assertThat(app.serviceJson().toString()).as(name).doesNotContain("resolve:secretsmanager");
        });
    }

    private static List<JsonNode> statements(TestApp.Synthesised app, String function) {
        List<JsonNode> statements = new java.util.ArrayList<>();
        app.resources(app.serviceJson(), "AWS::IAM::Policy").stream()
                .filter(p -> p.getKey().startsWith(function + "RoleDefaultPolicy")).findFirst().orElseThrow()
                .getValue().at("/Properties/PolicyDocument/Statement").forEach(statements::add);
        return statements;
    }

    @Test
    void everyDeploymentGivesTheRateDecksTableAndBucketToTheOperatorApiAndTheCallStateManagersApplication() {
        Map<String, TestApp.Synthesised> variants = Map.of("full", TestApp.get(), "voipOnly", voipOnly,
                "externalSwitch", externalSwitch, "remoteChime", remoteChime, "twilioOnly", twilioOnly, "restOnly", restOnly);
        variants.forEach((name, app) -> {
            String prefix = "calling-" + app.stacks().service().getStackName().split("-")[1] + "-";
            JsonNode manager = FunctionsTest.properties(app, "CallStateManager").at("/Environment/Variables");
            JsonNode operator = FunctionsTest.properties(app, "OperatorApi").at("/Environment/Variables");
            for (String function : List.of("OperatorApi", "CallStateManager", "CallSweeper")) {
                JsonNode env = FunctionsTest.properties(app, function).at("/Environment/Variables");
                assertThat(env.path("CALLING_TABLES_RATE_DECKS").asText()).as(name + " " + function)
                        .isEqualTo(prefix + "rate-decks");
                assertThat(LeastPrivilegeTest.render(env.path("CALLING_BUCKETS_RATE_DECKS"))).as(name + " " + function)
                        .isEqualTo(prefix + "rate-decks-<AWS::AccountId>-<AWS::Region>");
            }
            // The carriers the CallStateManager routes to, exactly: none (no variable) without carriers.
            assertThat(operator.path("CALLING_CARRIER_IDS")).as(name).isEqualTo(manager.path("CALLING_CARRIER_IDS"));
            assertThat(LeastPrivilegeTest.access(app, "OperatorApi")).as(name)
                    .containsKeys("table:rate-decks", "bucket:rate-decks/*", "bucket:rate-decks");
            assertThat(LeastPrivilegeTest.access(app, "CallStateManager")).as(name)
                    .containsEntry("table:rate-decks", Set.of("dynamodb:Query"))
                    .containsEntry("bucket:rate-decks/*", LeastPrivilegeTest.READ_RATE_DECK);
        });
        assertThat(FunctionsTest.properties(voipOnly, "OperatorApi").at("/Environment/Variables").has("CALLING_CARRIER_IDS"))
                .as("VoIP only: no carrier to schedule a deck for").isFalse();
    }

    @Test
    void voipOnlyHasNoCarriersNoChimeGrantAndChimeMayOnlyInvokeFromThisAccount() {
        JsonNode manager = FunctionsTest.properties(voipOnly, "CallStateManager");
        assertThat(FunctionsTest.fieldNames(manager.at("/Environment/Variables")))
                .noneMatch(name -> name.startsWith("CALLING_CARRIER"));
        assertThat(FunctionsTest.fieldNames(FunctionsTest.properties(voipOnly, "OperatorApi").at("/Environment/Variables")))
                .noneMatch(name -> name.startsWith("CALLING_CARRIER"));
        assertThat(FunctionsTest.fieldNames(FunctionsTest.properties(voipOnly, "CallSweeper").at("/Environment/Variables")))
                .as("no carrier to recount").noneMatch(name -> name.startsWith("CALLING_CARRIER"))
                .contains("CALLING_TABLES_CALLS", "CALLING_QUEUES_CALL_STATE_CHANGES");
        assertThat(voipOnly.serviceJson().toString()).doesNotContain("chime:CreateSipMediaApplicationCall");
        voipOnly.service().hasResourceProperties("AWS::Lambda::Permission", Map.of(
                "Principal", "voiceconnector.chime.amazonaws.com", "SourceAccount", Map.of("Ref", "AWS::AccountId"),
                "SourceArn", Match.absent()));
    }

    @Test
    void withoutPushPlatformApplicationsThePushSenderStillDrainsCallPushesButMayNotTouchSns() {
        assertThat(voipOnly.resources(voipOnly.serviceJson(), "AWS::Lambda::Function")).hasSize(13);
        assertThat(FunctionsTest.eventSources(voipOnly)).containsKey(":calling-voip-call-pushes");
        Map<String, Set<String>> access = LeastPrivilegeTest.access(voipOnly, "PushSender");
        assertThat(access.keySet()).containsExactlyInAnyOrder("table:devices", "table:push-markers",
                "queue:call-pushes", "queue:call-pushes-dlq");
        JsonNode env = FunctionsTest.properties(voipOnly, "PushSender").at("/Environment/Variables");
        assertThat(FunctionsTest.fieldNames(env)).containsExactlyInAnyOrder("CALLING_TABLES_DEVICES",
                "CALLING_TABLES_PUSH_MARKERS", "CALLING_QUEUES_CALL_PUSHES");
        // The CallStateManager hands pushes over all the same.
        assertThat(LeastPrivilegeTest.access(voipOnly, "CallStateManager"))
                .containsEntry("queue:call-pushes", LeastPrivilegeTest.SEND)
                .containsEntry("table:devices", LeastPrivilegeTest.READ);
        voipOnly.resources(voipOnly.serviceJson(), "AWS::IAM::Policy").forEach(policy ->
                assertThat(policy.getValue().at("/Properties/PolicyDocument").toString()).as(policy.getKey())
                        .doesNotContain("\"sns:"));
    }

    @Test
    void pushPlatformApplicationsMustBeInTheRegionTheAppDeploysToAndOnlyTheGivenOnesAreGranted() {
        String sandbox = "arn:aws:sns:eu-west-1:123456789012:app/APNS_VOIP_SANDBOX/CallingVoipDev";
        Map<String, Object> context = Map.of("stage", "push", "pushPlatformApplications", Map.of("apnsVoipSandbox", sandbox));
        assertThatThrownBy(() -> TestApp.synthesise(context, Optional.of("us-east-1")))
                .hasMessageContaining("pushPlatformApplications are in eu-west-1").hasMessageContaining("us-east-1");

        TestApp.Synthesised sandboxOnly = TestApp.synthesise(context, Optional.of("eu-west-1"));
        JsonNode env = FunctionsTest.properties(sandboxOnly, "PushSender").at("/Environment/Variables");
        assertThat(FunctionsTest.fieldNames(env)).filteredOn(name -> name.startsWith("CALLING_PUSH_"))
                .containsExactly("CALLING_PUSH_APNS_VOIP_SANDBOX_APPLICATION_ARN");
        assertThat(env.path("CALLING_PUSH_APNS_VOIP_SANDBOX_APPLICATION_ARN").asText()).isEqualTo(sandbox);
        assertThat(LeastPrivilegeTest.access(sandboxOnly, "PushSender")).containsEntry(
                "sns:app/APNS_VOIP_SANDBOX/CallingVoipDev", Set.of("sns:CreatePlatformEndpoint"))
                .containsEntry("sns:endpoint/APNS_VOIP_SANDBOX/CallingVoipDev/*", LeastPrivilegeTest.PUSH_TO_ENDPOINTS)
                .hasSize(6);
        for (Stack stack : List.of(sandboxOnly.stacks().data(), sandboxOnly.stacks().service())) {
            assertThat(Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
            assertThat(Annotations.fromStack(stack).findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        }
    }

    @Test
    void withoutReservedConcurrencyNoFunctionReservesAny() {
        voipOnly.resources(voipOnly.serviceJson(), "AWS::Lambda::Function").forEach(function ->
                assertThat(function.getValue().at("/Properties/ReservedConcurrentExecutions").isMissingNode()).isTrue());
    }

    @Test
    void theApiGatewayLoggingRoleIsSetWhenAskedForAndCdkNagStaysClean() {
        voipOnly.service().resourceCountIs("AWS::ApiGateway::Account", 1);
        for (Stack stack : List.of(voipOnly.stacks().data(), voipOnly.stacks().service())) {
            assertThat(Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        }
    }

    @Test
    void anExternalSwitchGetsNoSwitchFunctionNoRuleAndNoChimeMeetingsGrantButTheSameQueuesAndTable() {
        assertThat(externalSwitch.stacks().service().function("Switch")).isNull();
        assertThat(externalSwitch.resources(externalSwitch.serviceJson(), "AWS::Lambda::Function")).hasSize(12)
                .noneSatisfy(f -> assertThat(f.getKey()).startsWith("Switch"));
        // The two schedules and the limit alerts' rule: no rule for meeting events.
        assertThat(externalSwitch.resources(externalSwitch.serviceJson(), "AWS::Events::Rule")).hasSize(3)
                .allSatisfy(rule -> assertThat(rule.getValue().at("/Properties/EventPattern/source/0").asText())
                        .isIn("", "calling.abuse"));
        assertThat(externalSwitch.stacks().service().meetingEventsRule()).isEmpty();
        assertThat(externalSwitch.stacks().meetingEventsForwarder()).isEmpty();
        assertThat(FunctionsTest.eventSources(externalSwitch)).containsOnlyKeys(":calling-ext-connection-events",
                ":calling-ext-call-state-changes.fifo", ":calling-ext-call-timers", ":calling-ext-call-pushes");
        String service = externalSwitch.serviceJson().toString();
        assertThat(service).doesNotContain("chime:CreateMeeting").doesNotContain("meeting-events-rule-dlq")
                .doesNotContain("CALLING_CHIME_MEETINGS");
        // The fleet sends to the queues and the apps still ask CallApi for media: they all stay.
        externalSwitch.data().hasResourceProperties("AWS::DynamoDB::Table", Map.of("TableName", "calling-ext-call-media"));
        externalSwitch.data().hasResourceProperties("AWS::SQS::Queue", Map.of("QueueName", "calling-ext-meeting-events"));
        externalSwitch.data().hasResourceProperties("AWS::SQS::Queue", Map.of("QueueName", "calling-ext-switch-commands.fifo"));
        assertThat(externalSwitch.dataJson().toString()).as("no rule may send to meeting-events")
                .doesNotContain("events.amazonaws.com");
        assertThat(FunctionsTest.fieldNames(FunctionsTest.properties(externalSwitch, "CallApi")
                .at("/Environment/Variables"))).contains("CALLING_TABLES_CALL_MEDIA");
        for (Stack stack : List.of(externalSwitch.stacks().data(), externalSwitch.stacks().service())) {
            assertThat(Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        }
    }

    @Test
    void withoutReservedConcurrencyTheSwitchIsStillDeployedUnreserved() {
        assertThat(FunctionsTest.properties(voipOnly, "Switch").has("ReservedConcurrentExecutions")).isFalse();
        assertThat(voipOnly.stacks().service().function("Switch").consumptions()).hasSize(2);
    }

    @Test
    void aRemoteChimeControlRegionIsTheSwitchsEndpointAndMeetingArnsAndItsEventsAreForwardedHome() {
        JsonNode env = FunctionsTest.properties(remoteChime, "Switch").at("/Environment/Variables");
        assertThat(env.path("CALLING_CHIME_MEETINGS_REGION").asText()).isEqualTo("eu-central-1");
        assertThat(env.at("/CALLING_CHIME_MEETINGS_MEDIA_REGION/Ref").asText()).as("media stays near the app")
                .isEqualTo("AWS::Region");
        List<JsonNode> chime = SwitchTest.chimeStatements(remoteChime, "Switch");
        assertThat(chime).hasSize(1);
        assertThat(LeastPrivilegeTest.render(chime.get(0).get("Resource")))
                .isEqualTo("arn:<AWS::Partition>:chime:eu-central-1:<AWS::AccountId>:meeting/*");

        // Chime publishes the events in eu-central-1: a rule there sends them to the app region's default bus,
        // where the service stack's rule (unchanged) sends them on to meeting-events.
        MeetingEventsForwarder forwarder = remoteChime.stacks().meetingEventsForwarder().orElseThrow();
        assertThat(forwarder.getRegion()).isEqualTo("eu-central-1");
        assertThat(forwarder.getStackName()).isEqualTo("calling-remote-meeting-events-forwarder");
        Template template = Template.fromStack(forwarder);
        JsonNode json = new ObjectMapper().valueToTree(template.toJSON());
        JsonNode rule = remoteChime.resources(json, "AWS::Events::Rule").get(0).getValue().get("Properties");
        assertThat(rule.get("EventPattern")).isEqualTo(SwitchTest.meetingEventsRule(remoteChime).get("EventPattern"));
        assertThat(LeastPrivilegeTest.render(rule.at("/Targets/0/Arn")))
                // A stack with a region has its partition as a literal (@aws-cdk/core:enablePartitionLiterals).
                .isEqualTo("arn:aws:events:eu-west-1:<AWS::AccountId>:event-bus/default");
        assertThat(rule.at("/Targets/0/DeadLetterConfig/Arn/Fn::GetAtt/0").asText()).startsWith("DeadLetters");
        JsonNode put = remoteChime.resources(json, "AWS::IAM::Policy").get(0).getValue()
                .at("/Properties/PolicyDocument/Statement");
        assertThat(put).hasSize(1);
        assertThat(put.get(0).path("Action").asText()).isEqualTo("events:PutEvents");
        assertThat(LeastPrivilegeTest.render(put.get(0).get("Resource"))).isEqualTo(LeastPrivilegeTest.render(
                rule.at("/Targets/0/Arn")));
        // Its dead-letter queue alarms in its own region (alarms watch their region's metrics), to a topic there.
        JsonNode alarm = remoteChime.resources(json, "AWS::CloudWatch::Alarm").get(0).getValue().get("Properties");
        template.resourceCountIs("AWS::CloudWatch::Alarm", 1);
        assertThat(alarm.at("/Dimensions/0/Value/Fn::GetAtt/0").asText()).startsWith("DeadLetters");
        assertThat(alarm.at("/AlarmActions/0/Ref").asText())
                .isEqualTo(remoteChime.resources(json, "AWS::SNS::Topic").get(0).getKey());
        for (Stack stack : List.of(remoteChime.stacks().data(), remoteChime.stacks().service(), forwarder)) {
            assertThat(Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
            assertThat(Annotations.fromStack(stack).findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        }
    }

    @Test
    void aRemoteChimeControlRegionNeedsTheAppsRegionAndTheAppsOwnRegionNeedsNoForwarder() {
        Map<String, Object> context = Map.of("stage", "remote", "chimeMeetingsRegion", "eu-central-1");
        assertThatThrownBy(() -> TestApp.synthesise(context)).hasMessageContaining("chimeMeetingsRegion=eu-central-1")
                .hasMessageContaining("CDK_DEFAULT_REGION");
        assertThat(TestApp.synthesise(context, Optional.of("eu-central-1")).stacks().meetingEventsForwarder()).isEmpty();
        assertThat(TestApp.synthesise(Map.of("stage", "ext", "switch", "external", "chimeMeetingsRegion", "eu-central-1"))
                .stacks().meetingEventsForwarder()).as("no Switch, nothing to forward").isEmpty();
    }

    @Test
    void synthRefusesAFunctionWhoseZipIsNotBuilt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path functions) {
        assertThatThrownBy(() -> FunctionCode.built(functions).of("call-api"))
                .hasMessageContaining("call-api").hasMessageContaining("function.zip is missing")
                .hasMessageContaining("functionCode=placeholder");
    }

    @Test
    void aQueueHidingMessagesForLessThanSixConsumerTimeoutsIsRefused() {
        Stack stack = new Stack(new App(), "Guard");
        QueueDefinition tooShort = Resources.CONNECTION_EVENTS.withVisibilityTimeout(Duration.ofSeconds(30));
        DataByName data = new DataByName(stack, "Data", PhysicalNames.of("guard"));
        CallingFunction function = new CallingFunction(stack, "SessionService", PhysicalNames.of("guard"),
                new Settings("SessionService", "session-service", "", 512, software.amazon.awscdk.Duration.seconds(10),
                        Optional.empty()), FunctionCode.placeholder());
        DataByName.QueueRef queue = new DataByName.QueueRef(tooShort, data.queue(Resources.CONNECTION_EVENTS).queue(),
                data.queue(Resources.CONNECTION_EVENTS).deadLetterQueue());

        assertThatThrownBy(() -> function.consumes(queue, 10, 5))
                .hasMessageContaining("connection-events").hasMessageContaining("at least 60 s");
        assertThat(CallingFunction.timeoutForQueues(queue).toSeconds()).isEqualTo(5);
    }
}
