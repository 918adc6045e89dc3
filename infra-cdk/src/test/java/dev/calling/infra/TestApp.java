package dev.calling.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.infra.CallingApp.Stacks;
import dev.calling.infra.service.FunctionCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.assertions.Template;

/**
 * The app as the tests see it, synthesised once per test JVM and shared by every test class (a
 * synth takes seconds): stage {@code test}, Chime configured, a Chime, a REST and a Twilio carrier, an alarm
 * e-mail, the Switch on Chime SDK Meetings (the default) with its media in eu-west-1, and placeholder
 * function code (no function build needed).
 */
public final class TestApp {

    public static final String PREFIX = "calling-test-";
    /** The test Twilio carrier's secret: a complete ARN, with the suffix Secrets Manager adds to the name. */
    public static final String TWILIO_SECRET_ARN =
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:calling/test/twilio-AbC123";
    /** The test REST carrier's API key secret (complete ARN) and webhook secret (partial ARN). */
    public static final String REST_API_KEY_SECRET_ARN =
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:calling/test/borealis/api-key-Xy12Ab";
    public static final String REST_WEBHOOK_SECRET_ARN =
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:calling/test/borealis/webhook";

    public static final Map<String, Object> CONTEXT = Map.of(
            "stage", "test",
            "chimeSipMediaApplicationId", "5f2e7c1a-0d3b-4e8f-9a6c-1b2d3e4f5a60",
            "chimeFromPhoneNumber", "+12065550100",
            "chimeVoiceConnectorArn", "arn:aws:chime:us-east-1:123456789012:vc/abcdefghijklmnopqrstuv",
            "alarmEmail", "oncall@example.com",
            "chimeMeetingsMediaRegion", "eu-west-1",
            "pushPlatformApplications", """
                    {"apnsVoip": "arn:aws:sns:us-east-1:123456789012:app/APNS_VOIP/CallingVoip",
                     "fcm": "arn:aws:sns:us-east-1:123456789012:app/GCM/CallingAndroid"}""",
            "carriers", """
                    {"chime": {"adapter": "CHIME", "rate-deck": "rate-decks/atlas.csv.gz", "max-concurrent-calls": "100"},
                     "borealis": {"adapter": "REST", "rate-deck": "rate-decks/borealis.csv.gz",
                                  "base-url": "https://api.borealis.example", "from-number": "+14155550100",
                                  "bridge-sip-uri": "sip:{connectionId}@media.calling.example",
                                  "api-key-secret-id": "%s",
                                  "webhook-secret-id": "%s"},
                     "twilio": {"adapter": "TWILIO", "rate-deck": "rate-decks/twilio.csv.gz", "quality": 60,
                                "account-sid": "AC0123456789abcdef0123456789abcdef",
                                "api-key-sid": "SK0123456789abcdef0123456789abcdef",
                                "from-number": "+14155550111", "secret-id": "%s",
                                "twiml-app-sid": "AP0123456789abcdef0123456789abcdef", "ring-timeout": "PT45S",
                                "client-identity-prefix": "test_"}}""".formatted(TestApp.REST_API_KEY_SECRET_ARN,
                    TestApp.REST_WEBHOOK_SECRET_ARN, TestApp.TWILIO_SECRET_ARN));

    /** Both stacks and their templates (as assertions and as JSON trees). */
    public record Synthesised(Stacks stacks, Template data, Template service, JsonNode dataJson, JsonNode serviceJson) {

        /** Resources of a type in a template, by logical id. */
        public List<Map.Entry<String, JsonNode>> resources(JsonNode template, String type) {
            List<Map.Entry<String, JsonNode>> found = new ArrayList<>();
            template.get("Resources").fields().forEachRemaining(entry -> {
                if (entry.getValue().path("Type").asText().equals(type)) {
                    found.add(entry);
                }
            });
            return found;
        }
    }

    private static Synthesised full;

    private TestApp() {}

    /** The full test deployment, synthesised once. */
    public static synchronized Synthesised get() {
        if (full == null) {
            full = synthesise(CONTEXT);
        }
        return full;
    }

    public static Synthesised synthesise(Map<String, Object> context) {
        return synthesise(context, Optional.empty());
    }

    /** With the region the CLI would deploy to (CDK_DEFAULT_REGION), which a remote Chime control region needs. */
    public static Synthesised synthesise(Map<String, Object> context, Optional<String> region) {
        // As the CLI synthesises: cdk.json's feature flags, then the deployment's context.
        Map<String, Object> withFlags = new java.util.HashMap<>(CallingApp.featureFlags());
        withFlags.putAll(context);
        App app = new App(AppProps.builder().context(withFlags).build());
        Stacks stacks = CallingApp.define(app, CallingConfig.fromContext(app.getNode()), FunctionCode.placeholder(),
                region);
        Template data = Template.fromStack(stacks.data());
        Template service = Template.fromStack(stacks.service());
        ObjectMapper json = new ObjectMapper();
        return new Synthesised(stacks, data, service, json.valueToTree(data.toJSON()), json.valueToTree(service.toJSON()));
    }
}
