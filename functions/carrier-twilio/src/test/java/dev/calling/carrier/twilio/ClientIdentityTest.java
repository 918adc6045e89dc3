package dev.calling.carrier.twilio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClientIdentityTest {

    @Test
    void keepsLettersAndDigitsAndEscapesEverythingElseIncludingUnderscore() {
        assertThat(ClientIdentity.of("", "alice")).isEqualTo("alice");
        assertThat(ClientIdentity.of("", "ann.lee@example.com")).isEqualTo("ann_2Elee_40example_2Ecom");
        assertThat(ClientIdentity.of("", "ann_lee")).isEqualTo("ann_5Flee");
        assertThat(ClientIdentity.of("", "zoë")).isEqualTo("zo_C3_AB");
        assertThat(ClientIdentity.of("calling_", "sample-alice")).isEqualTo("calling_sample_2Dalice");
    }

    @Test
    void onlyTheCharactersTwilioAllowsAndNoTwoUsersShareAnIdentity() {
        List<String> users = List.of("ann_lee", "ann.lee", "ann_2Elee", "annlee", "ann-lee", "ANN_LEE", "ann lee", "_", "__");
        List<String> identities = users.stream().map(u -> ClientIdentity.of("", u)).toList();

        assertThat(identities).allMatch(id -> id.matches("[A-Za-z0-9_]+")).doesNotHaveDuplicates();
        for (String user : users) {
            assertThat(ClientIdentity.userIdOf("", ClientIdentity.of("", user))).isEqualTo(user);
        }
        assertThat(ClientIdentity.userIdOf("calling_", "calling_sample_2Dalice")).isEqualTo("sample-alice");
    }

    @Test
    void refusesWhatCannotBeAnIdentityRatherThanCuttingIt() {
        assertThat(ClientIdentity.of("", "a".repeat(256))).hasSize(256);
        assertThatThrownBy(() -> ClientIdentity.of("", "a".repeat(257))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientIdentity.of("", ".".repeat(86))).hasMessageContaining("too long");
        assertThatThrownBy(() -> ClientIdentity.of("", "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientIdentity.userIdOf("", "ann_2")).isInstanceOf(IllegalArgumentException.class);
    }
}
