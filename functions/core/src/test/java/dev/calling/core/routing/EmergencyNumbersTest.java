package dev.calling.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EmergencyNumbersTest {

    @Test
    void theEmergencyNumbersOfSeveralCountriesAreKnownWhereTheyApply() {
        assertThat(EmergencyNumbers.regionsOf("112")).contains("DE", "FR", "GB", "IN", "RU", "ES", "IT");
        assertThat(EmergencyNumbers.regionsOf("911")).contains("US", "CA", "MX", "AR");
        assertThat(EmergencyNumbers.regionsOf("999")).contains("GB", "SG", "HK");
        assertThat(EmergencyNumbers.regionsOf("000")).contains("AU");
        assertThat(EmergencyNumbers.regionsOf("110")).contains("DE", "CN", "JP");
        assertThat(EmergencyNumbers.regionsOf("119")).contains("JP", "KR");
        assertThat(EmergencyNumbers.isEmergency("+112")).as("a '+' an app put in front").isTrue();
    }

    @Test
    void ordinaryNumbersAndJunkAreNot() {
        assertThat(EmergencyNumbers.isEmergency("+442071838750")).isFalse();
        assertThat(EmergencyNumbers.isEmergency("+14155550123")).isFalse();
        assertThat(EmergencyNumbers.isEmergency("12345")).isFalse();
        assertThat(EmergencyNumbers.isEmergency("")).isFalse();
        assertThat(EmergencyNumbers.isEmergency(null)).isFalse();
        assertThat(EmergencyNumbers.isEmergency("11 2")).isFalse();
        assertThat(EmergencyNumbers.isEmergency("1".repeat(5000))).isFalse();
    }
}
