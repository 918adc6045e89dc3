package dev.calling.carrier.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChimeSettingsTest {

    static final String VC = "arn:aws:chime:us-east-1:123456789012:vc/abcdefghijklmnopqrstuv";

    @Test
    void bridgeUriIsTheUserPartMadeFromTheConnectionId() {
        var settings = new ChimeSettings("chime", "sma", "+12065550100", VC, "app-{connectionId}");

        assertThat(settings.bridgeUser("alice-c1")).isEqualTo("app-alice-c1");
    }

    @Test
    void aFullSipUriIsRefusedBecauseChimeTakesTheHostFromTheVoiceConnector() {
        assertThatThrownBy(() -> new ChimeSettings("chime", "sma", "+12065550100", VC, "sip:{connectionId}@voip.example.net"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user part");
    }

    @Test
    void connectionIdsChimeCannotCarryAreRefused() {
        var settings = new ChimeSettings("chime", "sma", "+12065550100", VC, "{connectionId}");

        assertThatThrownBy(() -> settings.bridgeUser("x".repeat(37))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> settings.bridgeUser("a@b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fromNumberMustBeE164() {
        assertThatThrownBy(() -> new ChimeSettings("chime", "sma", "2065550100", VC, "{connectionId}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void withoutAVoiceConnectorAnsweredLegsJoinMeetings() {
        assertThat(new ChimeSettings("chime", "sma", "+12065550100", "", "{connectionId}").voiceConnectorArn()).isNull();
        assertThat(new ChimeSettings("chime", "sma", "+12065550100", null, "{connectionId}").voiceConnectorArn()).isNull();
    }
}
