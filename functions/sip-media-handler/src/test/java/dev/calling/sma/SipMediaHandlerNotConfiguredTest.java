package dev.calling.sma;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.embedded.EmbeddedAwsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Step 1 of the Chime set-up (infra-cdk/README.md): deployed without the SIP media application's id and phone
 * number, as in the default (VoIP-only) deployment. The application starts (Lambda starts it when it publishes
 * the version's SnapStart snapshot: a start-up failure failed the deploy), and each event fails with what is
 * missing.
 */
@QuarkusTest
@TestProfile(SipMediaHandlerNotConfiguredTest.WithoutChime.class)
@QuarkusTestResource(value = EmbeddedAwsTestResource.class, restrictToAnnotatedClass = true)
class SipMediaHandlerNotConfiguredTest {

    /** An empty value is no value for MicroProfile Config: the settings are absent. */
    public static class WithoutChime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("calling.chime.sip-media-application-id", "", "calling.chime.from-phone-number", "",
                    "calling.chime.voice-connector-arn", "");
        }
    }

    @Test
    void startsAndFailsEachEventSayingWhichSettingsAreMissing() throws Exception {
        Response response = given().contentType("application/json")
                .body(SipMediaHandlerLambdaTest.sample("new-outbound-call.json")).when().post();
        assertThat(response.statusCode()).isNotEqualTo(200);
        assertThat(response.asString()).contains("SipMediaHandler is not configured",
                "calling.chime.sip-media-application-id", "calling.chime.from-phone-number", "chimeSipMediaApplicationId");
        assertThat(SipMediaHandlerLambdaTest.drainCallStateChanges()).isEmpty();
    }
}
