package dev.calling.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogMaskingTest {

    @Test
    void aNumberKeepsOnlyItsCountryCodeAndLastTwoDigits() {
        assertThat(LogMasking.phone("+33612345678")).isEqualTo("+33*******78");
        assertThat(LogMasking.phone("+14155550100")).isEqualTo("+1********00");
        assertThat(LogMasking.phone("+442071234567")).isEqualTo("+44********67");
        assertThat(LogMasking.phone("+8816123456")).as("non-geographic +881").isEqualTo("+881*****56");
        assertThat(LogMasking.phone("+3531")).as("too short to show a tail").isEqualTo("+****");
        assertThat(LogMasking.phone(null)).isEqualTo("(none)");
    }

    @Test
    void aTextHasEveryNumberMaskedAlsoInSipUris() {
        assertThat(LogMasking.text("dial +442071234567 from sip:+14155550100@carrier.example, ring 45 s"))
                .isEqualTo("dial +44********67 from sip:+1********00@carrier.example, ring 45 s");
    }

    @Test
    void aTextLosesTokensSecretsAndJwts() {
        String body = "{\"callId\":\"c1\",\"joinToken\":\"abc\\\"def\",\"token\":\"0a1b2c\",\"apiKeySecret\":\"s3cr3t\","
                + "\"to\":\"+33612345678\"}";
        assertThat(LogMasking.text(body))
                .isEqualTo("{\"callId\":\"c1\",\"joinToken\":\"…\",\"token\":\"…\",\"apiKeySecret\":\"…\","
                        + "\"to\":\"+33*******78\"}");
        assertThat(LogMasking.text("Authorization=Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln rest"))
                .doesNotContain("eyJ").doesNotContain("c2ln");
        assertThat(LogMasking.text("AuthToken=abcdef&CallSid=CA1")).isEqualTo("AuthToken=\"…\"&CallSid=CA1");
    }

    @Test
    void aTextWithoutNumbersOrSecretsIsKept() {
        assertThat(LogMasking.text("call c-1: RINGING after 3 tries, 0.0300 USD")).isEqualTo(
                "call c-1: RINGING after 3 tries, 0.0300 USD");
    }
}
