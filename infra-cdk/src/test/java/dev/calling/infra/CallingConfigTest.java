package dev.calling.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.Resources;
import dev.calling.infra.CallingConfig.Adapter;
import dev.calling.infra.CallingConfig.SwitchKind;
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

    @Test
    void carriersReadFromJsonWithSecretsByName() {
        CallingConfig config = config(Map.of("carriers", Map.of("atlas", Map.of("adapter", "rest",
                "rate-deck", "rate-decks/atlas.csv.gz", "base-url", "https://api.atlas.example",
                "api-key", Map.of("secret", "calling/prod/atlas")))));
        var atlas = config.carriers().get("atlas");
        assertThat(atlas.adapter()).isEqualTo(Adapter.REST);
        assertThat(atlas.settings()).containsOnlyKeys("rate-deck", "base-url");
        assertThat(atlas.secrets()).containsEntry("api-key", "calling/prod/atlas");
    }

    @Test
    void credentialsAreRefusedAsPlainValues() {
        assertThatThrownBy(() -> config(Map.of("carriers", "{\"atlas\": {\"adapter\": \"REST\", \"rate-deck\": \"d\","
                + " \"base-url\": \"https://a\", \"webhook-secret\": \"whsec_123\"}}")))
                .hasMessageContaining("webhook-secret").hasMessageContaining("secret");
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
