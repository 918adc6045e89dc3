package dev.calling.carrier.twilio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.twilio.security.RequestValidator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The signature against Twilio's own test vectors and against Twilio's own validator.
 *
 * <p>The vectors: the worked example of "Webhooks security" (https://www.twilio.com/docs/usage/security,
 * "Validating Signatures from Twilio": auth token {@code 12345}, a POST to
 * {@code https://mycompany.com/myapp.php?foo=1&bar=2} with CallSid, Caller, Digits, From, To →
 * {@code RSOYDt4T1cUTdK1PDd93/VVr8B8=}), and the further cases of twilio-java's
 * {@code RequestValidatorTest} (src/test/java/com/twilio/security), expected values copied from there.
 */
class TwilioSignatureTest {

    static final String TOKEN = "12345";
    static final String URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
    static final Map<String, String> PARAMS = Map.of("Digits", "1234", "CallSid", "CA1234567890ABCDE",
            "To", "+18005551212", "Caller", "+14158675309", "From", "+14158675309");
    static final String DOCS_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    @Test
    void signsTwiliosDocumentedExample() {
        assertThat(TwilioSignature.sign(TOKEN, URL, PARAMS)).isEqualTo(DOCS_SIGNATURE);
        assertThat(TwilioSignature.check(TOKEN, URL, PARAMS, DOCS_SIGNATURE)).isEmpty();
    }

    @Test
    void matchesTheHelperLibrarysFurtherVectors() {
        // No form parameters: the URL alone is signed.
        assertThat(TwilioSignature.sign(TOKEN, URL, Map.of())).isEqualTo("zYQTYrRWXE7LtzbG4PfP7/bkkGo=");
        // A URL without query.
        assertThat(TwilioSignature.sign(TOKEN, "https://mycompany.com/myapp.php", PARAMS))
                .isEqualTo("1xaxFBvyzXYvWplzNOSs28HWO94=");
        // Values with characters that form encoding would change: signed decoded, as UTF-8.
        assertThat(TwilioSignature.sign(TOKEN, URL, Map.of("Message", "Hello & goodbye! @#$%^*()",
                "From", "+1 (415) 867-5309", "Special", "unicode: ñáéíóú"))).isEqualTo("dCPiR4WtQ6QFN6pJh81CtlCcWLQ=");
        // Sorted by name, case-sensitively.
        assertThat(TwilioSignature.sign(TOKEN, URL, Map.of("Zebra", "last", "Alpha", "first", "Beta", "second",
                "Gamma", "third"))).isEqualTo("enveUe73ZTVLAekHxez3Qx6JuuQ=");
        assertThat(TwilioSignature.sign(TOKEN, URL, Map.of("callSid", "lowercase", "CallSid", "uppercase",
                "CALLSID", "allcaps"))).isEqualTo("jDK7WKT8wiNrwggd4ceTv4e1MJ4=");
        // A percent-encoded query is signed as sent, not decoded.
        assertThat(TwilioSignature.sign(TOKEN, "https://mycompany.com/myapp.php?foo=hello%20world&bar=test%2Bvalue",
                PARAMS)).isEqualTo("er2tvAP1Wx+iuTTE2BPgvEaN1cs=");
    }

    @Test
    void acceptsASignatureMadeWithOrWithoutTheDefaultPort() {
        // Signed over https://mycompany.com:443/..., checked against our URL without the port.
        assertThat(TwilioSignature.check(TOKEN, URL, PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w=")).isEmpty();
        // Signed over http://mycompany.com:80/... .
        assertThat(TwilioSignature.check(TOKEN, URL.replace("https", "http"), PARAMS, "0ZXoZLH/DfblKGATFgpif+LLRf4="))
                .isEmpty();
        // Our URL with a port, signed without it.
        assertThat(TwilioSignature.check(TOKEN, URL.replace(".com", ".com:1234"), PARAMS, DOCS_SIGNATURE)).isEmpty();
    }

    @Test
    void refusesForgedTamperedMismatchedOrMissingSignatures() {
        assertThat(TwilioSignature.check(TOKEN, URL, PARAMS, "NOT" + DOCS_SIGNATURE)).isPresent();
        assertThat(TwilioSignature.check("54321", URL, PARAMS, DOCS_SIGNATURE)).isPresent();
        Map<String, String> tampered = new LinkedHashMap<>(PARAMS);
        tampered.put("Digits", "9999");
        assertThat(TwilioSignature.check(TOKEN, URL, tampered, DOCS_SIGNATURE)).isPresent();
        // The same body signed for another URL (another query, another host): refused.
        assertThat(TwilioSignature.check(TOKEN, URL.replace("foo=1", "foo=2"), PARAMS, DOCS_SIGNATURE)).isPresent();
        assertThat(TwilioSignature.check(TOKEN, URL.replace("mycompany", "attacker"), PARAMS, DOCS_SIGNATURE)).isPresent();
        assertThat(TwilioSignature.check(TOKEN, URL, PARAMS, null)).contains("missing X-Twilio-Signature header");
        assertThat(TwilioSignature.check(TOKEN, URL, PARAMS, " ")).isPresent();
    }

    @Test
    void agreesWithTwiliosRequestValidatorOnAStatusCallbackOfOurs() {
        String url = "https://calls.example/carrier-webhooks/twilio?callId=call-7c1e%3A2&attempt=2";
        Map<String, String> callback = new LinkedHashMap<>();
        callback.put("AccountSid", Fixtures.ACCOUNT_SID);
        callback.put("ApiVersion", "2010-04-01");
        callback.put("CallSid", Fixtures.callSid(42));
        callback.put("CallStatus", "in-progress");
        callback.put("CallbackSource", "call-progress-events");
        callback.put("Called", "+442071838750");
        callback.put("Direction", "outbound-api");
        callback.put("From", "+14155550100");
        callback.put("SequenceNumber", "1");
        callback.put("Timestamp", "Mon, 23 Nov 2026 09:59:55 +0000");
        callback.put("To", "+442071838750");
        callback.put("ToCity", "São Paulo & Co");

        String ours = TwilioSignature.sign(Fixtures.AUTH_TOKEN, url, callback);

        RequestValidator official = new RequestValidator(Fixtures.AUTH_TOKEN);
        assertThat(official.validate(url, callback, ours)).isTrue();
        assertThat(TwilioSignature.check(Fixtures.AUTH_TOKEN, url, callback, ours)).isEmpty();
    }

    @Test
    void formBodiesDecodeAsTwilioEncodesThemAndRepeatedNamesAreRefused() throws Exception {
        assertThat(FormBody.parse("To=%2B442071838750&ToCity=S%C3%A3o+Paulo&Empty=&Flag"))
                .containsExactly(Map.entry("To", "+442071838750"), Map.entry("ToCity", "São Paulo"),
                        Map.entry("Empty", ""), Map.entry("Flag", ""));
        assertThat(FormBody.parse("")).isEmpty();
        assertThatThrownBy(() -> FormBody.parse("CallStatus=ringing&CallStatus=completed"))
                .isInstanceOf(FormBody.Malformed.class).hasMessageContaining("more than once");
        assertThatThrownBy(() -> FormBody.parse("To=%2")).isInstanceOf(FormBody.Malformed.class);
        assertThatThrownBy(() -> FormBody.parse("=x")).isInstanceOf(FormBody.Malformed.class);
    }
}
