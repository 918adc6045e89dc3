package dev.calling.infra;

import static dev.calling.infra.TestApp.TWILIO_SECRET_ARN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.secretsmanager.Secret;

/**
 * The Twilio carrier of the test deployment ({@link TestApp}): the same plain settings for the
 * CallStateManager and the CarrierWebhook, its secret only as an ARN that exactly these two may read,
 * and nothing of the secret's value anywhere in the template.
 */
class TwilioCarrierTest {

    static TestApp.Synthesised app;

    @BeforeAll
    static void synthesise() {
        app = TestApp.get();
    }

    @Test
    void bothFunctionsGetTheTwilioSettingsAndTheSecretsArnAndRoutingOnlyTheCallStateManager() {
        JsonNode manager = FunctionsTest.environment("CallStateManager");
        JsonNode webhook = FunctionsTest.environment("CarrierWebhook");
        for (JsonNode env : List.of(manager, webhook)) {
            assertThat(env.path("CALLING_CARRIERS_TWILIO_ADAPTER").asText()).isEqualTo("TWILIO");
            assertThat(env.path("CALLING_CARRIERS_TWILIO_ACCOUNT_SID").asText()).isEqualTo("AC0123456789abcdef0123456789abcdef");
            assertThat(env.path("CALLING_CARRIERS_TWILIO_API_KEY_SID").asText()).isEqualTo("SK0123456789abcdef0123456789abcdef");
            assertThat(env.path("CALLING_CARRIERS_TWILIO_FROM_NUMBER").asText()).isEqualTo("+14155550111");
            assertThat(env.path("CALLING_CARRIERS_TWILIO_SECRET_ID").asText()).isEqualTo(TWILIO_SECRET_ARN);
            assertThat(env.path("CALLING_CARRIERS_TWILIO_TWIML_APP_SID").asText()).isEqualTo("AP0123456789abcdef0123456789abcdef");
            assertThat(env.path("CALLING_CARRIERS_TWILIO_RING_TIMEOUT").asText()).isEqualTo("PT45S");
            assertThat(env.path("CALLING_CARRIERS_TWILIO_CLIENT_IDENTITY_PREFIX").asText()).isEqualTo("test_");
        }
        assertThat(manager.path("CALLING_CARRIERS_TWILIO_RATE_DECK").asText()).isEqualTo("rate-decks/twilio.csv.gz");
        assertThat(manager.path("CALLING_CARRIERS_TWILIO_QUALITY").asText()).isEqualTo("60");
        assertThat(FunctionsTest.fieldNames(webhook)).doesNotContain("CALLING_CARRIERS_TWILIO_RATE_DECK",
                "CALLING_CARRIERS_TWILIO_QUALITY");
        assertThat(manager.path("CALLING_CARRIER_IDS").asText().split(",")).contains("twilio");
        // The caller's Voice token goes through call-media (and the connection push the manager already has).
        assertThat(manager.path("CALLING_TABLES_CALL_MEDIA").asText()).isEqualTo(TestApp.PREFIX + "call-media");
        assertThat(manager.has("CALLING_REALTIME_ENDPOINT")).isTrue();
    }

    @Test
    void theStatusCallbackUrlDefaultsToThisApisWebhookRouteForTheCarrier() {
        for (String function : List.of("CallStateManager", "CarrierWebhook")) {
            String url = LeastPrivilegeTest.render(FunctionsTest.environment(function)
                    .path("CALLING_CARRIERS_TWILIO_STATUS_CALLBACK_URL"));
            assertThat(url).as(function).matches("https://<HttpApi[0-9A-F]+>\\.execute-api\\..*/carrier-webhooks/twilio");
        }
    }

    @Test
    void onlyTheCallStateManagerAndTheCarrierWebhookMayReadTheCarriersSecretsEachOnlyThoseItReads() {
        java.util.Map<String, List<String>> readers = new java.util.TreeMap<>();
        app.resources(app.serviceJson(), "AWS::IAM::Policy").forEach(policy ->
                policy.getValue().at("/Properties/PolicyDocument/Statement").forEach(statement -> {
                    String actions = statement.path("Action").toString();
                    if (actions.contains("secretsmanager:") || actions.contains("kms:")) {
                        assertThat(statement.path("Action").asText()).isEqualTo("secretsmanager:GetSecretValue");
                        assertThat(statement.has("Condition")).isFalse();
                        List<String> read = readers.computeIfAbsent(policy.getKey().replaceAll("RoleDefaultPolicy.*", ""),
                                reader -> new ArrayList<>());
                        JsonNode resource = statement.path("Resource");
                        if (resource.isArray()) {
                            resource.forEach(arn -> read.add(arn.asText()));
                        } else {
                            read.add(resource.asText());
                        }
                    }
                }));
        assertThat(readers).containsOnlyKeys("CallStateManager", "CarrierWebhook");
        assertThat(readers.get("CallStateManager")).as("the REST carrier's API key, not its webhook secret")
                .containsExactlyInAnyOrder(TWILIO_SECRET_ARN, TestApp.REST_API_KEY_SECRET_ARN);
        assertThat(readers.get("CarrierWebhook")).containsExactlyInAnyOrder(TWILIO_SECRET_ARN,
                TestApp.REST_WEBHOOK_SECRET_ARN + "-??????", TestApp.REST_API_KEY_SECRET_ARN);
    }

    @Test
    void noSecretValueNorDynamicReferenceOfTheTwilioCarrierIsInTheTemplate() {
        List<String> resolved = new ArrayList<>();
        strings(app.serviceJson(), "", (path, text) -> {
            if (text.contains("resolve:secretsmanager")) {
                resolved.add(path);
            }
        });
        assertThat(resolved).as("no carrier's credential is resolved into the template").isEmpty();
        app.resources(app.serviceJson(), "AWS::Lambda::Function").forEach(function -> {
            List<String> names = FunctionsTest.fieldNames(function.getValue().at("/Properties/Environment/Variables"));
            assertThat(names).noneMatch(name -> name.matches(".*(AUTH_TOKEN|API_KEY_SECRET|SECRET_VALUE)$"));
        });
        String outputs = app.serviceJson().path("Outputs").toString();
        assertThat(outputs).doesNotContain("secretsmanager").doesNotContain("SECRET");
    }

    /**
     * The grant names the ARN as CDK's own imports do: {@code Secret.fromSecretCompleteArn} grants the ARN as
     * it is, {@code Secret.fromSecretPartialArn} the ARN with {@code -??????} (the one secret of that name,
     * whatever its suffix).
     */
    @Test
    void theSecretIsGrantedAsCdksCompleteAndPartialArnImportsGrantIt() {
        String partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:calling/test/twilio";
        String cdkComplete = grantedByCdk(true, TWILIO_SECRET_ARN);
        String cdkPartial = grantedByCdk(false, partial);
        assertThat(cdkComplete).isEqualTo(TWILIO_SECRET_ARN);
        assertThat(cdkPartial).isEqualTo(partial + "-??????");
        var config = CallingConfigTest.config(Map.of("carriers", Map.of(
                "complete", twilioSettings(TWILIO_SECRET_ARN), "partial", twilioSettings(partial))));
        assertThat(config.carriers().get("complete").secret().orElseThrow().arnForPolicies()).isEqualTo(cdkComplete);
        assertThat(config.carriers().get("partial").secret().orElseThrow().arnForPolicies()).isEqualTo(cdkPartial);
    }

    static Map<String, Object> twilioSettings(String secretArn) {
        return Map.of("adapter", "TWILIO", "rate-deck", "rate-decks/twilio.csv.gz",
                "account-sid", "AC0123456789abcdef0123456789abcdef", "api-key-sid", "SK0123456789abcdef0123456789abcdef",
                "from-number", "+14155550111", "secret-id", secretArn);
    }

    /** The resource CDK's grantRead names for a secret imported by its complete or partial ARN. */
    private static String grantedByCdk(boolean complete, String arn) {
        Stack stack = new Stack(new App(), "Grant");
        Role role = Role.Builder.create(stack, "Role").assumedBy(new ServicePrincipal("lambda.amazonaws.com")).build();
        (complete ? Secret.fromSecretCompleteArn(stack, "Secret", arn) : Secret.fromSecretPartialArn(stack, "Secret", arn))
                .grantRead(role);
        JsonNode template = new ObjectMapper().valueToTree(Template.fromStack(stack).toJSON());
        JsonNode statement = app.resources(template, "AWS::IAM::Policy").get(0).getValue()
                .at("/Properties/PolicyDocument/Statement/0");
        assertThat(statement.path("Action").toString()).contains("secretsmanager:GetSecretValue");
        return statement.path("Resource").asText();
    }

    interface StringVisitor {
        void visit(String path, String text);
    }

    /** Every string in the tree (values, not keys), with its JSON path. */
    static void strings(JsonNode node, String path, StringVisitor visitor) {
        if (node.isTextual()) {
            visitor.visit(path, node.asText());
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                strings(node.get(i), path + "/" + i, visitor);
            }
        } else if (node.isObject()) {
            node.fields().forEachRemaining(field -> strings(field.getValue(), path + "/" + field.getKey(), visitor));
        }
    }
}
