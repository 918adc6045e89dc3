package dev.calling.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Which numbers are high-risk by default, from libphonenumber's number types and the ITU's shared codes. */
class HighRiskDestinationsTest {

    @ParameterizedTest
    @CsvSource({
            "+449098790000, premium-rate", // UK 09
            "+19005551234, premium-rate", // NANP 900
            "+33899123456, premium-rate", // France 089
            "+979123456789, premium-rate", // ITU international premium rate service
            "+447012345678, personal-number", // UK 070
            "+881612345678, +881", // Global Mobile Satellite System
            "+870773111111, +870"}) // Inmarsat
    void premiumPersonalAndSatelliteNumbersAreHighRisk(String number, String why) {
        assertThat(HighRiskDestinations.DEFAULT.classify(PhoneNumber.parse(number))).hasValueSatisfying(
                reason -> assertThat(reason).contains(why));
    }

    @ParameterizedTest
    @ValueSource(strings = {"+447911123456", "+442079460000", "+14155552671", "+33612345678", "+4930901820",
            "+80012345678"})
    void mobileLandlineAndFreephoneNumbersAreNot(String number) {
        assertThat(HighRiskDestinations.DEFAULT.classify(PhoneNumber.parse(number))).isEmpty();
    }

    @Test
    void anOperatorsListReplacesTheDefault() {
        HighRiskDestinations own = HighRiskDestinations.of(List.of("SHARED_COST"), List.of("4420794"));
        assertThat(own.classify(PhoneNumber.parse("+442079460000"))).isPresent();
        assertThat(own.classify(PhoneNumber.parse("+80812345678"))).hasValueSatisfying(
                reason -> assertThat(reason).contains("shared-cost"));
        assertThat(own.classify(PhoneNumber.parse("+449098790000"))).as("premium rate no longer listed").isEmpty();
        assertThat(HighRiskDestinations.NONE.classify(PhoneNumber.parse("+449098790000"))).isEmpty();
    }

    @Test
    void aMistypedTypeOrPrefixIsRefusedAtStart() {
        assertThatThrownBy(() -> HighRiskDestinations.of(List.of("PREMIUM"), List.of()))
                .hasMessageContaining("not a libphonenumber number type");
        assertThatThrownBy(() -> HighRiskDestinations.of(List.of(), List.of("+881")))
                .hasMessageContaining("E.164 digits without '+'");
    }
}
