package dev.calling.infra;

import static dev.calling.infra.TestApp.PREFIX;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.adapters.Resources;
import dev.calling.infra.service.CallingFunction;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every function: runtime, architecture, SnapStart behind an alias, memory, timeout, concurrency, event sources. */
class FunctionsTest {

    static TestApp.Synthesised app;
    static JsonNode resources;

    @BeforeAll
    static void synthesise() {
        app = TestApp.get();
        resources = app.serviceJson().get("Resources");
    }

    /** name, function name in AWS (without the prefix), memory MB, timeout s, reserved concurrency (0 = none). */
    static Stream<Arguments> functions() {
        return Stream.of(
                Arguments.of("SessionService", "session-service", 512, 10, 0),
                Arguments.of("CallStateManager", "call-state-manager", 1024, 30, 50),
                Arguments.of("SipMediaHandler", "sip-media-handler", 1024, 5, 50),
                Arguments.of("CarrierWebhook", "carrier-webhook", 512, 10, 20),
                Arguments.of("BillingExport", "billing-export", 2048, 900, 1),
                Arguments.of("CallApi", "call-api", 1024, 10, 0),
                Arguments.of("OperatorApi", "operator-api", 512, 10, 0),
                Arguments.of("Realtime", "realtime", 512, 10, 0),
                Arguments.of("RealtimeAuthorizer", "realtime-authorizer", 512, 5, 0),
                Arguments.of("Switch", "switch", 1024, 10, 30),
                Arguments.of("CallSweeper", "call-sweeper", 512, 120, 0),
                Arguments.of("DlqRedrive", "dlq-redrive", 512, 900, 0),
                Arguments.of("PushSender", "push-sender", 512, 5, 0));
    }

    @Test
    void thirteenFunctionsEachWithOneLiveAlias() {
        assertThat(app.resources(app.serviceJson(), "AWS::Lambda::Function")).hasSize(13);
        assertThat(app.resources(app.serviceJson(), "AWS::Lambda::Alias")).hasSize(13)
                .allSatisfy(alias -> assertThat(alias.getValue().at("/Properties/Name").asText()).isEqualTo("live"));
        assertThat(app.resources(app.serviceJson(), "AWS::Lambda::Version")).hasSize(13)
                .allSatisfy(version -> assertThat(version.getValue().path("DeletionPolicy").asText())
                        .as("a superseded version is deleted").isEqualTo("Delete"));
    }

    @ParameterizedTest
    @MethodSource("functions")
    void functionIsJava21OnArm64WithSnapStartAndChosenSizes(String name, String functionName, int memory, int timeout,
            int reserved) {
        JsonNode function = properties(name);
        assertThat(function.path("FunctionName").asText()).isEqualTo(PREFIX + functionName);
        assertThat(function.path("Runtime").asText()).isEqualTo("java21");
        assertThat(function.path("Architectures").get(0).asText()).isEqualTo("arm64");
        assertThat(function.path("Handler").asText())
                .isEqualTo("io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest");
        assertThat(function.at("/SnapStart/ApplyOn").asText()).isEqualTo("PublishedVersions");
        assertThat(function.path("MemorySize").asInt()).isEqualTo(memory);
        assertThat(function.path("Timeout").asInt()).isEqualTo(timeout);
        if (reserved == 0) {
            assertThat(function.has("ReservedConcurrentExecutions")).isFalse();
        } else {
            assertThat(function.path("ReservedConcurrentExecutions").asInt()).isEqualTo(reserved);
        }
        assertThat(function.at("/LoggingConfig/LogGroup/Ref").asText()).startsWith(name + "Logs");
    }

    @Test
    void everyEventSourceReportsBatchItemFailuresOnTheAliasWithBatchSizeAndMaximumConcurrency() {
        Map<String, JsonNode> byQueue = eventSources(app);
        assertThat(byQueue).containsOnlyKeys(":" + PREFIX + "connection-events", ":" + PREFIX + "call-state-changes.fifo",
                ":" + PREFIX + "call-timers", ":" + PREFIX + "switch-commands.fifo", ":" + PREFIX + "meeting-events",
                ":" + PREFIX + "call-pushes");
        byQueue.values().forEach(props -> {
            assertThat(props.path("FunctionResponseTypes").get(0).asText()).isEqualTo("ReportBatchItemFailures");
            assertThat(props.at("/FunctionName/Fn::Join/1/1").asText()).as("invokes the alias").isEqualTo(":live");
        });
        assertMapping(byQueue.get(":" + PREFIX + "connection-events"), "SessionService", 10, 20);
        assertMapping(byQueue.get(":" + PREFIX + "call-state-changes.fifo"), "CallStateManager", 5, 40);
        assertMapping(byQueue.get(":" + PREFIX + "call-timers"), "CallStateManager", 10, 10);
        assertMapping(byQueue.get(":" + PREFIX + "switch-commands.fifo"), "Switch", 1, 20);
        assertMapping(byQueue.get(":" + PREFIX + "meeting-events"), "Switch", 10, 10);
        assertMapping(byQueue.get(":" + PREFIX + "call-pushes"), "PushSender", 1, 20);
    }

    /** The event source mappings by the end of their queue's ARN ({@code :calling-test-<queue>}). */
    static Map<String, JsonNode> eventSources(TestApp.Synthesised app) {
        Map<String, JsonNode> byQueue = new HashMap<>();
        app.resources(app.serviceJson(), "AWS::Lambda::EventSourceMapping").forEach(mapping -> {
            JsonNode props = mapping.getValue().get("Properties");
            byQueue.put(last(props.at("/EventSourceArn/Fn::Join/1")), props);
        });
        return byQueue;
    }

    @Test
    void everyConsumedQueueHidesAMessageAtLeastSixTimesItsConsumersTimeout() {
        app.stacks().service().functions().values().forEach(function -> function.consumptions().forEach(c ->
                assertThat(c.queue().definition().visibilityTimeout().toSeconds())
                        .as(function.settings().name() + " on " + c.queue().definition().name())
                        .isGreaterThanOrEqualTo(6L * function.settings().timeout().toSeconds().longValue())));
        assertThat(app.stacks().service().function("CallStateManager").consumptions()).hasSize(2);
        assertThat(app.stacks().service().function("Switch").consumptions()).hasSize(2);
    }

    @Test
    void callStateManagerAndSwitchReserveExactlyWhatTheirEventSourcesMayUse() {
        for (String name : List.of("CallStateManager", "Switch")) {
            CallingFunction function = app.stacks().service().function(name);
            assertThat(function.eventSourceConcurrency()).as(name).isEqualTo(function.settings().reservedConcurrency());
        }
    }

    @Test
    void functionsLearnTheirTablesAndQueuesFromTheEnvironment() {
        JsonNode sessions = environment("SessionService");
        assertThat(sessions.path("CALLING_TABLES_SESSIONS").asText()).isEqualTo(PREFIX + "sessions");
        JsonNode manager = environment("CallStateManager");
        assertThat(fieldNames(manager)).contains("CALLING_TABLES_CALLS", "CALLING_TABLES_SESSIONS",
                "CALLING_TABLES_SUBSCRIBERS", "CALLING_TABLES_CARRIER_HEALTH", "CALLING_TABLES_CARRIER_LEGS",
                "CALLING_TABLES_ACCOUNTS", "CALLING_TABLES_CALL_DETAIL_RECORDS", "CALLING_QUEUES_CALL_STATE_CHANGES",
                "CALLING_QUEUES_CALL_TIMERS", "CALLING_QUEUES_SWITCH_COMMANDS", "CALLING_REALTIME_ENDPOINT",
                "CALLING_TABLES_DEVICES", "CALLING_TABLES_BLOCKS", "CALLING_TABLES_KNOWN_CALLERS", "CALLING_QUEUES_CALL_PUSHES");
        assertThat(manager.at("/CALLING_QUEUES_SWITCH_COMMANDS/Fn::Join/1").toString())
                .contains("/" + PREFIX + "switch-commands.fifo");
        assertThat(environment("CallApi").path("CALLING_TABLES_CALL_REQUESTS").asText()).isEqualTo(PREFIX + "call-requests");
        assertThat(fieldNames(environment("CallApi"))).containsExactlyInAnyOrder("CALLING_TABLES_CALLS",
                "CALLING_TABLES_SESSIONS", "CALLING_TABLES_ACCOUNTS", "CALLING_TABLES_CALL_REQUESTS",
                "CALLING_TABLES_CALL_ATTEMPTS", "CALLING_TABLES_CALL_MEDIA", "CALLING_TABLES_DEVICES",
                "CALLING_TABLES_BLOCKS", "CALLING_TABLES_SUBSCRIBERS", "CALLING_QUEUES_CALL_STATE_CHANGES");
        assertThat(environment("CallApi").path("CALLING_TABLES_CALL_MEDIA").asText()).isEqualTo(PREFIX + "call-media");
        assertThat(fieldNames(environment("Realtime"))).containsExactly("CALLING_QUEUES_CONNECTION_EVENTS");
        // PushSender never sends to its queue, but its dead letters' URL derives from the queue's: without it
        // the function's start-up (SnapStart's version publish, so the deploy) fails.
        assertThat(fieldNames(environment("PushSender"))).containsExactlyInAnyOrder("CALLING_QUEUES_CALL_PUSHES",
                "CALLING_TABLES_DEVICES", "CALLING_TABLES_PUSH_MARKERS", "CALLING_PUSH_APNS_VOIP_APPLICATION_ARN",
                "CALLING_PUSH_FCM_APPLICATION_ARN");
        JsonNode authorizer = environment("RealtimeAuthorizer");
        assertThat(fieldNames(authorizer)).containsExactlyInAnyOrder("QUARKUS_LAMBDA_HANDLER", "CALLING_AUTH_ISSUER",
                "CALLING_AUTH_AUDIENCE");
        assertThat(authorizer.path("QUARKUS_LAMBDA_HANDLER").asText()).as("the realtime zip's other handler")
                .isEqualTo("RealtimeAuthorizer");
        assertThat(properties("RealtimeAuthorizer").path("Code")).isEqualTo(properties("Realtime").path("Code"));
        JsonNode export = environment("BillingExport");
        assertThat(export.path("CALLING_TABLES_CALL_DETAIL_RECORDS").asText()).isEqualTo(PREFIX + "call-detail-records");
        assertThat(export.at("/CALLING_BUCKETS_BILLING_EXPORTS/Fn::Join/1/0").asText())
                .isEqualTo(PREFIX + Resources.BILLING_EXPORTS.name() + "-");
    }

    @Test
    void theOperatorApiAndTheCallStateManagerLearnTheRateDecksTableAndBucketAndTheOperatorApiTheCarriers() {
        JsonNode operator = environment("OperatorApi");
        assertThat(fieldNames(operator)).containsExactlyInAnyOrder("CALLING_TABLES_ACCOUNTS",
                "CALLING_TABLES_SUBSCRIBERS", "CALLING_TABLES_RATE_DECKS", "CALLING_BUCKETS_RATE_DECKS",
                "CALLING_CARRIER_IDS");
        JsonNode manager = environment("CallStateManager");
        for (JsonNode env : List.of(operator, manager, environment("CallSweeper"))) {
            assertThat(env.path("CALLING_TABLES_RATE_DECKS").asText()).isEqualTo(PREFIX + "rate-decks");
            assertThat(LeastPrivilegeTest.render(env.path("CALLING_BUCKETS_RATE_DECKS")))
                    .isEqualTo(PREFIX + "rate-decks-<AWS::AccountId>-<AWS::Region>");
        }
        // A deck is scheduled for a carrier the CallStateManager routes to: the same list.
        assertThat(operator.path("CALLING_CARRIER_IDS").asText().split(","))
                .containsExactlyInAnyOrder("chime", "borealis", "twilio");
        assertThat(operator.path("CALLING_CARRIER_IDS")).isEqualTo(manager.path("CALLING_CARRIER_IDS"));
        assertThat(fieldNames(operator)).noneMatch(name -> name.startsWith("CALLING_CARRIERS_"));
        for (String function : app.stacks().service().functions().keySet()) {
            if (!List.of("OperatorApi", "CallStateManager", "CallSweeper").contains(function)) {
                assertThat(fieldNames(environment(function))).as(function)
                        .doesNotContain("CALLING_TABLES_RATE_DECKS", "CALLING_BUCKETS_RATE_DECKS");
            }
        }
    }

    @Test
    void pushSenderRunsThePushSnsPackageAndLearnsItsTablesQueueAndPlatformApplications() {
        assertThat(app.stacks().service().function("PushSender").settings().module()).isEqualTo("push-sns");
        // application.properties picks the PushSender handler (no QUARKUS_LAMBDA_HANDLER); which variables it
        // gets is checked with every function's above, their values here.
        JsonNode env = environment("PushSender");
        assertThat(env.path("CALLING_TABLES_DEVICES").asText()).isEqualTo(PREFIX + "devices");
        assertThat(env.path("CALLING_TABLES_PUSH_MARKERS").asText()).isEqualTo(PREFIX + "push-markers");
        assertThat(env.at("/CALLING_QUEUES_CALL_PUSHES/Fn::Join/1").toString()).contains("/" + PREFIX + "call-pushes\"");
        assertThat(env.path("CALLING_QUEUES_CALL_PUSHES")).isEqualTo(environment("CallStateManager")
                .path("CALLING_QUEUES_CALL_PUSHES"));
        assertThat(env.path("CALLING_PUSH_APNS_VOIP_APPLICATION_ARN").asText())
                .isEqualTo("arn:aws:sns:us-east-1:123456789012:app/APNS_VOIP/CallingVoip");
        assertThat(env.path("CALLING_PUSH_FCM_APPLICATION_ARN").asText())
                .isEqualTo("arn:aws:sns:us-east-1:123456789012:app/GCM/CallingAndroid");
    }

    @Test
    void callSweeperRunsTheCallStateManagersPackageWithItsOwnHandlerAndConfigurationButNoCarrierSettings() {
        assertThat(app.stacks().service().function("CallSweeper").settings().module())
                .isEqualTo(app.stacks().service().function("CallStateManager").settings().module())
                .isEqualTo("call-state-manager");
        JsonNode sweeper = environment("CallSweeper");
        JsonNode manager = environment("CallStateManager");
        assertThat(sweeper.path("QUARKUS_LAMBDA_HANDLER").asText()).isEqualTo("CallSweeper");
        assertThat(manager.has("QUARKUS_LAMBDA_HANDLER")).as("application.properties picks CallStateManager").isFalse();
        assertThat(sweeper.path("CALLING_SNAPSTART_PRIMING").asText()).as("priming builds the call state manager")
                .isEqualTo("false");
        assertThat(sweeper.path("CALLING_TABLES_CALLS").asText()).isEqualTo(PREFIX + "calls");
        assertThat(sweeper.path("CALLING_TABLES_CARRIER_HEALTH").asText()).isEqualTo(PREFIX + "carrier-health");
        assertThat(sweeper.path("CALLING_QUEUES_CALL_STATE_CHANGES")).isEqualTo(manager.path("CALLING_QUEUES_CALL_STATE_CHANGES"));
        assertThat(sweeper.path("CALLING_CARRIER_IDS").asText().split(","))
                .containsExactlyInAnyOrder("chime", "borealis", "twilio");
        // The same application starts: every variable of the CallStateManager's but the carriers' settings.
        List<String> shared = fieldNames(manager).stream().filter(name -> !name.startsWith("CALLING_CARRIERS_")).toList();
        assertThat(fieldNames(manager)).anyMatch(name -> name.startsWith("CALLING_CARRIERS_"));
        assertThat(fieldNames(sweeper)).containsExactlyInAnyOrderElementsOf(java.util.stream.Stream.concat(
                shared.stream(), Stream.of("QUARKUS_LAMBDA_HANDLER", "CALLING_SNAPSTART_PRIMING")).toList());
        shared.forEach(name -> assertThat(sweeper.get(name)).as(name).isEqualTo(manager.get(name)));
        assertThat(sweeper.toString()).doesNotContain("resolve:secretsmanager");
    }

    @Test
    void dlqRedriveFindsTheQueuesByTheStagesNamesAndNothingTriggersIt() {
        assertThat(app.stacks().service().function("DlqRedrive").settings().module()).isEqualTo("dlq-redrive");
        JsonNode env = environment("DlqRedrive");
        assertThat(fieldNames(env)).containsExactly("CALLING_REDRIVE_NAME_PREFIX");
        assertThat(env.path("CALLING_REDRIVE_NAME_PREFIX").asText()).isEqualTo("calling-test");
        assertThat(app.stacks().service().function("DlqRedrive").consumptions()).isEmpty();
        assertThat(app.resources(app.serviceJson(), "AWS::Lambda::Permission"))
                .noneSatisfy(p -> assertThat(p.getKey()).startsWith("DlqRedrive"));
        assertThat(app.resources(app.serviceJson(), "AWS::Events::Rule")).noneSatisfy(rule ->
                assertThat(rule.getValue().at("/Properties/Targets/0/Arn/Ref").asText()).startsWith("DlqRedrive"));
        JsonNode output = app.serviceJson().at("/Outputs/DlqRedriveFunction");
        assertThat(output.at("/Value/Ref").asText()).startsWith("DlqRedriveFunction");
        assertThat(output.path("Description").asText()).contains("\"queue\"");
    }

    @Test
    void sipMediaHandlerKnowsItsChimeResourcesAndOnlyThatApplicationMayInvokeIt() {
        JsonNode env = environment("SipMediaHandler");
        assertThat(env.path("CALLING_CHIME_SIP_MEDIA_APPLICATION_ID").asText()).isEqualTo("5f2e7c1a-0d3b-4e8f-9a6c-1b2d3e4f5a60");
        assertThat(env.path("CALLING_CHIME_FROM_PHONE_NUMBER").asText()).isEqualTo("+12065550100");
        assertThat(env.path("CALLING_CHIME_VOICE_CONNECTOR_ARN").asText()).startsWith("arn:aws:chime:");
        assertThat(env.path("CALLING_CHIME_PROVIDER_ID").asText()).as("the CHIME carrier's id").isEqualTo("chime");
        JsonNode permission = app.resources(app.serviceJson(), "AWS::Lambda::Permission").stream()
                .map(Map.Entry::getValue).filter(p -> p.at("/Properties/Principal").asText()
                        .equals("voiceconnector.chime.amazonaws.com")).findFirst().orElseThrow().get("Properties");
        assertThat(permission.at("/FunctionName/Ref").asText()).startsWith("SipMediaHandlerLive");
        assertThat(permission.at("/SourceAccount/Ref").asText()).isEqualTo("AWS::AccountId");
        assertThat(permission.at("/SourceArn/Fn::Join/1").toString()).contains(":sma/5f2e7c1a-0d3b-4e8f-9a6c-1b2d3e4f5a60");
    }

    @Test
    void carriersAreConfiguredForTheCallStateManagerAndRestCarriersForTheWebhookWithTheirSecretsByArn() {
        // (The Twilio carrier's settings and secret: TwilioCarrierTest.)
        JsonNode manager = environment("CallStateManager");
        assertThat(manager.path("CALLING_CARRIER_IDS").asText().split(","))
                .containsExactlyInAnyOrder("chime", "borealis", "twilio");
        assertThat(manager.path("CALLING_CARRIERS_CHIME_ADAPTER").asText()).isEqualTo("CHIME");
        assertThat(manager.path("CALLING_CARRIERS_CHIME_SIP_MEDIA_APPLICATION_ID").asText())
                .isEqualTo("5f2e7c1a-0d3b-4e8f-9a6c-1b2d3e4f5a60");
        assertThat(manager.path("CALLING_CARRIERS_CHIME_RATE_DECK").asText()).isEqualTo("rate-decks/atlas.csv.gz");
        assertThat(manager.path("CALLING_CARRIERS_BOREALIS_ADAPTER").asText()).isEqualTo("REST");
        assertThat(manager.path("CALLING_CARRIERS_BOREALIS_API_KEY_SECRET_ID").asText())
                .as("the functions read the key at run time").isEqualTo(TestApp.REST_API_KEY_SECRET_ARN);
        assertThat(manager.has("CALLING_CARRIERS_BOREALIS_API_KEY")).isFalse();
        assertThat(manager.has("CALLING_CARRIERS_BOREALIS_WEBHOOK_SECRET_ID")).as("only the webhook verifies").isFalse();
        assertThat(manager.at("/CALLING_CARRIERS_BOREALIS_STATUS_CALLBACK_URL/Fn::Join/1").toString())
                .endsWith("\"/carrier-webhooks/borealis\"]");
        JsonNode webhook = environment("CarrierWebhook");
        assertThat(webhook.path("CALLING_CARRIERS_BOREALIS_WEBHOOK_SECRET_ID").asText())
                .isEqualTo(TestApp.REST_WEBHOOK_SECRET_ARN);
        assertThat(webhook.path("CALLING_CARRIERS_BOREALIS_API_KEY_SECRET_ID").asText()).as("to hang up orphan calls")
                .isEqualTo(TestApp.REST_API_KEY_SECRET_ARN);
        assertThat(webhook.has("CALLING_CARRIERS_BOREALIS_WEBHOOK_SECRET")).isFalse();
        assertThat(webhook.path("CALLING_CARRIERS_BOREALIS_BASE_URL").asText()).isEqualTo("https://api.borealis.example");
        assertThat(fieldNames(webhook)).noneMatch(n -> n.startsWith("CALLING_CARRIERS_CHIME_"));
        assertThat(app.serviceJson().toString()).doesNotContain("whsec_");
    }

    static JsonNode properties(String name) {
        return properties(TestApp.get(), name);
    }

    static JsonNode properties(TestApp.Synthesised app, String name) {
        return app.resources(app.serviceJson(), "AWS::Lambda::Function").stream()
                .filter(f -> f.getKey().startsWith(name + "Function")).findFirst().orElseThrow()
                .getValue().get("Properties");
    }

    static JsonNode environment(String name) {
        return properties(name).at("/Environment/Variables");
    }

    private static void assertMapping(JsonNode props, String function, int batchSize, int maxConcurrency) {
        assertThat(props.at("/FunctionName/Fn::Join/1/0/Fn::Select/1/Fn::Split/1/Ref").asText()).startsWith(function + "Live");
        assertThat(props.path("BatchSize").asInt()).isEqualTo(batchSize);
        assertThat(props.at("/ScalingConfig/MaximumConcurrency").asInt()).isEqualTo(maxConcurrency);
    }

    private static String last(JsonNode array) {
        return array.get(array.size() - 1).asText();
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
