package dev.calling.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PhoneNumberTest {

    @Test
    void parsesInternationalAndNationalFormsToE164() {
        assertThat(PhoneNumber.parse("+44 7400 123456").e164()).isEqualTo("+447400123456");
        assertThat(PhoneNumber.parse("07400 123456", "GB").e164()).isEqualTo("+447400123456");
        assertThat(PhoneNumber.parse("(201) 555-0123", "US").digits()).isEqualTo("12015550123");
    }

    @Test
    void badNumbersGetAClearRefusal() {
        assertThatThrownBy(() -> PhoneNumber.parse("+44 12")).isInstanceOf(PhoneNumber.InvalidPhoneNumber.class)
                .hasMessageContaining("invalid phone number '+44 12'");
        assertThatThrownBy(() -> PhoneNumber.parse("hello")).isInstanceOf(PhoneNumber.InvalidPhoneNumber.class);
        assertThatThrownBy(() -> PhoneNumber.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> new PhoneNumber("447700900123")).hasMessageContaining("E.164");
    }
}
