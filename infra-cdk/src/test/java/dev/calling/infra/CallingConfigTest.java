package dev.calling.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.Resources;
import dev.calling.infra.CallingConfig.Adapter;
import dev.calling.infra.CallingConfig.SwitchKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;

/** Context in, configuration out: defaults, validation, and the names the functions are given. */
class CallingConfigTest {

    static CallingConfig config(Map<String, Object> context) {
        return CallingConfig.fromContext(new App(AppProps.builder().context(context).build()).getNode());
    }

    @Test
    void noContextMeansStageDevVoipOnlyWithReservedConcurrency() {
        CallingConfig config = config(Map.of());
        assertThat(config).isEqualTo(CallingConfig.defaults());
        assertThat(config.stage()).isEqualTo("dev");
        assertThat(config.chime()).isEmpty();
        assertThat(config.carriers()).isEmpty();
        assertThat(config.reservedConcurrency()).isTrue();
        assertThat(config.apiGatewayCloudWatchRole()).isFalse();
        assertThat(config.switchKind()).isEqualTo(SwitchKind.CHIME_MEETINGS);
        assertThat(config.chimeMeetings().controlRegion()).as("the stack's region").isEmpty();
        assertThat(config.chimeMeetings().mediaRegion()).as("the stack's region").isEmpty();
    }

    @Test
    void theSwitchAndItsChimeRegionsComeFromContext() {
        assertThat(config(Map.of("switch", "external")).switchKind()).isEqualTo(SwitchKind.EXTERNAL);
        assertThat(config(Map.of("switch", "chime-meetings")).switchKind()).isEqualTo(SwitchKind.CHIME_MEETINGS);
        CallingConfig remote = config(Map.of("chimeMeetingsRegion", "eu-central-1", "chimeMeetingsMediaRegion", "eu-west-2"));
        assertThat(remote.chimeMeetings().controlRegion()).contains("eu-central-1");
        assertThat(remote.chimeMeetings().mediaRegion()).contains("eu-west-2");
        assertThat(config(Map.of("chimeMeetingsMediaRegion", "us-gov-west-1")).chimeMeetings().mediaRegion())
                .contains("us-gov-west-1");
    }

    @Test
    void commandLineContextArrivesAsStrings() {
        CallingConfig config = config(Map.of("stage", "prod", "reservedConcurrency", "false",
                "apiGatewayCloudWatchRole", "true", "billingExportRetentionDays", "3650", "alarmEmail", "ops@example.com"));
        assertThat(config.stage()).isEqualTo("prod");
        assertThat(config.reservedConcurrency()).isFalse();
        assertThat(config.apiGatewayCloudWatchRole()).isTrue();
        assertThat(config.billingExportRetentionDays()).isEqualTo(3650);
        assertThat(config.alarmEmail()).contains("ops@example.com");
    }

    static final String REST_KEY_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:calling/atlas/api-key-Ab12Cd";
    static final String REST_WEBHOOK_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:calling/atlas/webhook";

    static Map<String, Object> rest(String name, Object value) {
        Map<String, Object> atlas = new java.util.HashMap<>(Map.of("adapter", "rest", "rate-deck", "rate-decks/atlas.csv.gz",
                "base-url", "https://api.atlas.example", "api-key-secret-id", REST_KEY_ARN,
                "webhook-secret-id", REST_WEBHOOK_ARN));
        if (value == null) {
            atlas.remove(name);
        } else {
            atlas.put(name, value);
        }
        return Map.of("carriers", Map.of("atlas", atlas));
    }

    @Test
    void aRestCarrierNamesTheSecretsOfItsApiKeyAndWebhookByArn() {
        var atlas = config(rest("quality", "60")).carriers().get("atlas");
        assertThat(atlas.adapter()).isEqualTo(Adapter.REST);
        assertThat(atlas.settings()).containsEntry("api-key-secret-id", REST_KEY_ARN)
                .containsEntry("webhook-secret-id", REST_WEBHOOK_ARN);
        assertThat(atlas.secrets()).containsOnlyKeys("api-key-secret-id", "webhook-secret-id");
        assertThat(atlas.secrets().get("api-key-secret-id").arnForPolicies()).isEqualTo(REST_KEY_ARN);
        assertThat(atlas.secrets().get("webhook-secret-id").arnForPolicies()).isEqualTo(REST_WEBHOOK_ARN + "-??????");
        assertThatThrownBy(() -> config(rest("webhook-secret-id", null))).hasMessageContaining("needs webhook-secret-id")
                .hasMessageContaining("webhookSecrets");
        assertThatThrownBy(() -> config(rest("api-key-secret-id", "calling/atlas/api-key")))
                .hasMessageContaining("api-key-secret-id must be the ARN of a Secrets Manager secret");
        assertThatThrownBy(() -> config(rest("kms-key-arn",
                "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")))
                .hasMessageContaining("kms-key-arn is in us-east-1 but the secret in eu-west-1");
    }

    @Test
    void restCredentialsAreRefusedInContextAsValuesAndAsDeployTimeSecretReferences() {
        assertThatThrownBy(() -> config(rest("webhook-secret", "whsec_123"))).hasMessageContaining("never give webhook-secret")
                .hasMessageContaining("webhook-secret-id").hasMessageNotContaining("whsec_123");
        assertThatThrownBy(() -> config(rest("api-key", "sk_123"))).hasMessageContaining("api-key-secret-id")
                .hasMessageNotContaining("sk_123");
        assertThatThrownBy(() -> config(rest("api-key", Map.of("secret", "calling/prod/atlas"))))
                .hasMessageContaining("not supported").hasMessageContaining("api-key-secret-id");
    }

    static final String SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:calling/twilio-Ab12Cd";

    /** A Twilio carrier as context gives it, with {@code changes} applied (a null value removes the key). */
    static Map<String, Object> twilio(Object... changes) {
        Map<String, Object> carrier = new java.util.LinkedHashMap<>(Map.of("adapter", "TWILIO",
                "rate-deck", "rate-decks/twilio.csv.gz", "account-sid", "AC0123456789abcdef0123456789abcdef",
                "api-key-sid", "SK0123456789abcdef0123456789abcdef", "from-number", "+14155550100",
                "secret-id", SECRET_ARN));
        for (int i = 0; i < changes.length; i += 2) {
            if (changes[i + 1] == null) {
                carrier.remove((String) changes[i]);
            } else {
                carrier.put((String) changes[i], changes[i + 1]);
            }
        }
        return Map.of("carriers", Map.of("twilio", carrier));
    }

    @Test
    void aTwilioCarrierIsPlainSettingsAndTheArnOfItsSecret() {
        var twilio = config(twilio("ring-timeout", "PT45S", "twiml-app-sid", "AP0123456789abcdef0123456789abcdef"))
                .carriers().get("twilio");
        assertThat(twilio.adapter()).isEqualTo(Adapter.TWILIO);
        assertThat(twilio.settings()).containsEntry("secret-id", SECRET_ARN).containsEntry("ring-timeout", "PT45S")
                .doesNotContainKey("adapter");
        assertThat(twilio.secrets()).containsOnlyKeys("secret-id");
        var secret = twilio.secret().orElseThrow();
        assertThat(secret.complete()).isTrue();
        assertThat(secret.arnForPolicies()).as("a complete ARN is granted as it is").isEqualTo(SECRET_ARN);
        assertThat(secret.region()).isEqualTo("eu-west-1");
        assertThat(twilio.kmsKeyArn()).isEmpty();
        assertThat(config(Map.of("carriers", "{\"twilio\": {\"adapter\": \"twilio\", \"rate-deck\": \"d\","
                + " \"account-sid\": \"AC0123456789abcdef0123456789abcdef\", \"api-key-sid\":"
                + " \"SK0123456789abcdef0123456789abcdef\", \"from-number\": \"+14155550100\", \"secret-id\": \""
                + SECRET_ARN + "\"}}")).carriers().get("twilio").adapter()).as("-c carriers='{...}', any case")
                .isEqualTo(Adapter.TWILIO);
    }

    @Test
    void aPartialSecretArnIsGrantedWithExactlyOneSuffix() {
        String partial = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:calling/twilio";
        var secret = config(twilio("secret-id", partial)).carriers().get("twilio").secret().orElseThrow();
        assertThat(secret.complete()).isFalse();
        assertThat(secret.arnForPolicies()).isEqualTo(partial + "-??????");
        assertThat(config(twilio("secret-id", "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:t"))
                .carriers().get("twilio").secret().orElseThrow().partition()).isEqualTo("aws-us-gov");
    }

    @Test
    void aTwilioCarrierWithoutItsAccountApiKeyNumberOrSecretIsRefused() {
        assertThatThrownBy(() -> config(twilio("account-sid", "AC123"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Twilio carrier twilio").hasMessageContaining("account-sid must be AC followed by 32 hex");
        assertThatThrownBy(() -> config(twilio("account-sid", "SK0123456789abcdef0123456789abcdef")))
                .hasMessageContaining("account-sid");
        assertThatThrownBy(() -> config(twilio("account-sid", null))).hasMessageContaining("needs account-sid");
        assertThatThrownBy(() -> config(twilio("api-key-sid", null))).hasMessageContaining("needs api-key-sid");
        assertThatThrownBy(() -> config(twilio("api-key-sid", "AC0123456789abcdef0123456789abcdef")))
                .hasMessageContaining("api-key-sid must be SK");
        assertThatThrownBy(() -> config(twilio("from-number", "4155550100"))).hasMessageContaining("from-number")
                .hasMessageContaining("E.164");
        assertThatThrownBy(() -> config(twilio("secret-id", null))).hasMessageContaining("needs a secret-id")
                .hasMessageContaining("authToken").hasMessageContaining("apiKeySecret");
        assertThatThrownBy(() -> config(twilio("rate-deck", null))).hasMessageContaining("rate-deck");
    }

    @Test
    void aTwilioSecretIdMustBeTheArnOfASecretsManagerSecret() {
        for (String notASecret : List.of("calling/twilio", "arn:aws:ssm:eu-west-1:123456789012:parameter/calling/twilio",
                "arn:aws:secretsmanager:eu-west-1:123456789012:calling/twilio",
                "arn:aws:secretsmanager:Ireland:123456789012:secret:calling/twilio",
                "arn:aws:secretsmanager:eu-west-1:1234:secret:calling/twilio")) {
            assertThatThrownBy(() -> config(twilio("secret-id", notASecret))).as(notASecret)
                    .hasMessageContaining("secret-id must be the ARN of a Secrets Manager secret")
                    .hasMessageContaining(notASecret);
        }
    }

    @Test
    void twilioCredentialsAreRefusedInContextAndBelongInTheSecret() {
        for (String credential : List.of("auth-token", "api-key-secret", "api-key", "webhook-secret")) {
            assertThatThrownBy(() -> config(twilio(credential, "0123456789abcdef0123456789abcdef"))).as(credential)
                    .hasMessageContaining("never give " + credential + " in context")
                    .hasMessageContaining("secret-id").hasMessageContaining("authToken")
                    .hasMessageNotContaining("0123456789abcdef0123456789abcdef");
            assertThatThrownBy(() -> config(twilio(credential, Map.of("secret", "calling/twilio/auth-token"))))
                    .as(credential + " by secret name").hasMessageContaining("not supported");
        }
        assertThatThrownBy(() -> config(twilio("base-url", Map.of("secret", "calling/twilio/base-url"))))
                .hasMessageContaining("not supported").hasMessageContaining("secret-id");
    }

    @Test
    void twilioOptionalSettingsAreCheckedWhenGiven() {
        assertThatThrownBy(() -> config(twilio("ring-timeout", "45s"))).hasMessageContaining("ring-timeout")
                .hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> config(twilio("twiml-app-sid", "APxyz"))).hasMessageContaining("twiml-app-sid");
        assertThatThrownBy(() -> config(twilio("push-credential-sid", "CR1"))).hasMessageContaining("push-credential-sid");
        assertThatThrownBy(() -> config(twilio("client-identity-prefix", "app-"))).hasMessageContaining("client-identity-prefix");
        assertThatThrownBy(() -> config(twilio("status-callback-url", "https://hooks.example/twilio?x=1")))
                .hasMessageContaining("status-callback-url").hasMessageContaining("without query");
        assertThatThrownBy(() -> config(twilio("status-callback-url", "/carrier-webhooks/twilio")))
                .hasMessageContaining("absolute");
        assertThat(config(twilio("status-callback-url", "https://calls.example.com/carrier-webhooks/twilio"))
                .carriers().get("twilio").settings()).containsEntry("status-callback-url",
                        "https://calls.example.com/carrier-webhooks/twilio");
        String key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assertThat(config(twilio("kms-key-arn", key)).carriers().get("twilio").kmsKeyArn()).contains(key);
        assertThatThrownBy(() -> config(twilio("kms-key-arn", "arn:aws:kms:eu-west-1:123456789012:alias/calling")))
                .hasMessageContaining("kms-key-arn").hasMessageContaining("alias");
        assertThatThrownBy(() -> config(twilio("kms-key-arn", key.replace("eu-west-1", "us-east-1"))))
                .hasMessageContaining("kms-key-arn is in us-east-1 but the secret in eu-west-1");
    }

    @Test
    void anUnknownAdapterIsNamedWithTheOnesThereAre() {
        assertThatThrownBy(() -> config(twilio("adapter", "VONAGE"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("carrier twilio: adapter must be CHIME, REST or TWILIO: VONAGE");
        assertThatThrownBy(() -> config(twilio("adapter", null))).hasMessageContaining("CHIME, REST or TWILIO");
    }

    @Test
    void pushPlatformApplicationsAreSnsApplicationArnsOfTheirPlatform() {
        CallingConfig config = config(Map.of("pushPlatformApplications",
                "{\"apnsVoip\": \"arn:aws:sns:eu-west-1:123456789012:app/APNS_VOIP/Calling\","
                        + " \"fcm\": \"arn:aws:sns:eu-west-1:123456789012:app/GCM/Calling\"}"));

        assertThat(config.pushApplications()).containsOnlyKeys(CallingConfig.PushTarget.APNS_VOIP,
                CallingConfig.PushTarget.FCM);
        assertThat(CallingConfig.PushTarget.APNS_VOIP_SANDBOX.property())
                .isEqualTo("calling.push.apns-voip-sandbox-application-arn");
        assertThat(CallingConfig.endpointsOf("arn:aws:sns:eu-west-1:123456789012:app/GCM/Calling"))
                .isEqualTo("arn:aws:sns:eu-west-1:123456789012:endpoint/GCM/Calling/*");
        assertThat(config(Map.of()).pushApplications()).isEmpty();
        assertThatThrownBy(() -> config(Map.of("pushPlatformApplications",
                "{\"apnsVoip\": \"arn:aws:sns:eu-west-1:123456789012:app/GCM/Calling\"}")))
                .hasMessageContaining("platform APNS_VOIP");
        assertThatThrownBy(() -> config(Map.of("pushPlatformApplications", "{\"fcm\": \"Calling\"}")))
                .hasMessageContaining("SNS platform application");
        assertThatThrownBy(() -> config(Map.of("pushPlatformApplications",
                "{\"huawei\": \"arn:aws:sns:eu-west-1:123456789012:app/GCM/Calling\"}")))
                .hasMessageContaining("not one of apnsVoip");
        assertThatThrownBy(() -> config(Map.of("pushPlatformApplications",
                "{\"fcm\": \"arn:aws:sns:eu-west-1:123456789012:endpoint/GCM/Calling/0f3c\"}")))
                .as("an endpoint is not an application").hasMessageContaining("app/GCM/<name>");
        assertThatThrownBy(() -> config(Map.of("pushPlatformApplications",
                "{\"fcm\": \"arn:aws:sns:*:123456789012:app/GCM/Calling\"}"))).hasMessageContaining("fcm");
        assertThatThrownBy(() -> config(Map.of("pushPlatformApplications",
                "{\"fcm\": \"arn:aws:sns:eu-west-1:123456789012:app/GCM/Calling Android\"}"))).hasMessageContaining("fcm");
        // One SNS client in the function's region, with the function's role.
        assertThatThrownBy(() -> config(Map.of("pushPlatformApplications",
                "{\"apnsVoip\": \"arn:aws:sns:eu-west-1:123456789012:app/APNS_VOIP/Calling\","
                        + " \"fcm\": \"arn:aws:sns:us-east-1:123456789012:app/GCM/Calling\"}")))
                .hasMessageContaining("one account and region");
        assertThatThrownBy(() -> config(Map.of("pushPlatformApplications",
                "{\"apnsVoip\": \"arn:aws:sns:eu-west-1:123456789012:app/APNS_VOIP/Calling\","
                        + " \"fcm\": \"arn:aws:sns:eu-west-1:210987654321:app/GCM/Calling\"}")))
                .hasMessageContaining("one account and region");
        assertThat(config.pushApplicationsRegion()).contains("eu-west-1");
        assertThat(config.pushApplicationsAccount()).contains("123456789012");
        assertThat(config(Map.of()).pushApplicationsRegion()).isEmpty();
        assertThat(config(Map.of()).pushApplicationsAccount()).isEmpty();
        java.util.Optional<String> unknown = java.util.Optional.empty(); // not known at synth: SNS refuses at run time
        config.requirePushApplicationsIn(java.util.Optional.of("123456789012"), java.util.Optional.of("eu-west-1"));
        config.requirePushApplicationsIn(unknown, unknown);
        config.requirePushApplicationsIn(unknown, java.util.Optional.of("eu-west-1"));
        config.requirePushApplicationsIn(java.util.Optional.of("123456789012"), unknown);
        config(Map.of()).requirePushApplicationsIn(java.util.Optional.of("210987654321"), java.util.Optional.of("us-east-1"));
        assertThatThrownBy(() -> config.requirePushApplicationsIn(unknown, java.util.Optional.of("eu-central-1")))
                .hasMessageContaining("deploys to eu-central-1");
        assertThatThrownBy(() -> config.requirePushApplicationsIn(java.util.Optional.of("210987654321"),
                java.util.Optional.of("eu-west-1"))).hasMessageContaining("in account 123456789012")
                .hasMessageContaining("deploys to account 210987654321");
        // Government and China partitions too.
        assertThat(config(Map.of("pushPlatformApplications",
                "{\"fcm\": \"arn:aws-us-gov:sns:us-gov-west-1:123456789012:app/GCM/Calling.Android_2\"}"))
                .pushApplicationsRegion()).contains("us-gov-west-1");
    }

    @Test
    void badInputIsRefusedAtSynth() {
        assertThatThrownBy(() -> config(Map.of("stage", "Prod_1"))).hasMessageContaining("stage");
        assertThatThrownBy(() -> config(Map.of("chimeSipMediaApplicationId", "x")))
                .hasMessageContaining("both chimeSipMediaApplicationId and chimeFromPhoneNumber");
        assertThatThrownBy(() -> config(Map.of("chimeSipMediaApplicationId", "x", "chimeFromPhoneNumber", "+12065550100",
                "chimeVoiceConnectorArn", "vc/x"))).hasMessageContaining("must be an ARN");
        assertThat(config(Map.of("chimeSipMediaApplicationId", "x", "chimeFromPhoneNumber", "+12065550100")).chime()
                .orElseThrow().voiceConnectorArn()).as("no Voice Connector: answered legs join meetings").isEmpty();
        assertThatThrownBy(() -> config(Map.of("chimeSipMediaApplicationId", "x", "chimeFromPhoneNumber", "12065550100",
                "chimeVoiceConnectorArn", "arn:aws:chime:us-east-1:1:vc/x"))).hasMessageContaining("E.164");
        assertThatThrownBy(() -> config(Map.of("carriers", "{\"at-las\": {\"adapter\": \"REST\"}}")))
                .hasMessageContaining("carrier id");
        assertThatThrownBy(() -> config(Map.of("carriers", "{\"atlas\": {\"adapter\": \"REST\", \"rate-deck\": \"d\"}}")))
                .hasMessageContaining("base-url");
        assertThatThrownBy(() -> config(Map.of("billingExportRetentionDays", "30"))).hasMessageContaining("year");
        assertThatThrownBy(() -> config(Map.of("switch", "freeswitch"))).hasMessageContaining("chime-meetings or external");
        assertThatThrownBy(() -> config(Map.of("chimeMeetingsRegion", "Frankfurt"))).hasMessageContaining("chimeMeetingsRegion");
        assertThatThrownBy(() -> config(Map.of("chimeMeetingsMediaRegion", "arn:aws:chime:us-east-1")))
                .hasMessageContaining("chimeMeetingsMediaRegion");
    }

    @Test
    void namesArePrefixedAndPropertiesMapToMicroProfileEnvironmentVariables() {
        PhysicalNames names = PhysicalNames.of("prod");
        assertThat(names.table(Resources.CALL_DETAIL_RECORDS)).isEqualTo("calling-prod-call-detail-records");
        assertThat(names.queue(Resources.CALL_STATE_CHANGES)).isEqualTo("calling-prod-call-state-changes.fifo");
        assertThat(names.deadLetterQueue(Resources.CALL_STATE_CHANGES)).isEqualTo("calling-prod-call-state-changes-dlq.fifo");
        assertThat(PhysicalNames.environmentVariable(PhysicalNames.queueProperty(Resources.CALL_STATE_CHANGES)))
                .isEqualTo("CALLING_QUEUES_CALL_STATE_CHANGES");
        assertThat(PhysicalNames.environmentVariable(PhysicalNames.tableProperty(Resources.CALL_REQUESTS)))
                .isEqualTo("CALLING_TABLES_CALL_REQUESTS");
        assertThat(PhysicalNames.environmentVariable("calling.carriers.atlas.webhook-secret"))
                .isEqualTo("CALLING_CARRIERS_ATLAS_WEBHOOK_SECRET");
        assertThat(PhysicalNames.pascal("call-state-changes.fifo")).isEqualTo("CallStateChanges");
    }
}
