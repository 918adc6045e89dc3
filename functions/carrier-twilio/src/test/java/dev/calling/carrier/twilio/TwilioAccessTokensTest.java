package dev.calling.carrier.twilio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.twilio.jwt.accesstoken.AccessToken;
import com.twilio.jwt.accesstoken.VoiceGrant;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Map;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwx.JsonWebStructure;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.Test;

/**
 * Tokens checked against the structure Access Tokens documents ("Anatomy of an Access Token",
 * https://www.twilio.com/docs/iam/access-tokens) and against a token of Twilio's own helper library.
 */
class TwilioAccessTokensTest {

    final TwilioAccessTokens tokens = new TwilioAccessTokens(Fixtures.config("http://unused"),
            Clock.fixed(Fixtures.NOW, ZoneOffset.UTC));

    static JwtClaims verify(String token) throws Exception {
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setVerificationKey(new HmacKey(Fixtures.API_KEY_SECRET.getBytes(StandardCharsets.UTF_8)))
                .setEvaluationTime(NumericDate.fromSeconds(Fixtures.NOW.getEpochSecond()))
                .setRequireExpirationTime().setExpectedIssuer(Fixtures.API_KEY_SID).setExpectedSubject(Fixtures.ACCOUNT_SID)
                .build();
        return consumer.processToClaims(token);
    }

    static JsonWebSignature header(String token) throws Exception {
        return (JsonWebSignature) JsonWebStructure.fromCompactSerialization(token);
    }

    @Test
    void aVoiceTokenHasTheDocumentedHeaderClaimsAndGrants() throws Exception {
        String token = tokens.mint("ann.lee");

        JsonWebSignature jws = header(token);
        assertThat(jws.getHeader("typ")).isEqualTo("JWT");
        assertThat(jws.getHeader("alg")).isEqualTo("HS256");
        assertThat(jws.getHeader("cty")).isEqualTo("twilio-fpa;v=1");

        JwtClaims claims = verify(token); // signature checked with the API key secret
        long now = Fixtures.NOW.getEpochSecond();
        assertThat(claims.getJwtId()).isEqualTo(Fixtures.API_KEY_SID + "-" + now);
        assertThat(claims.getIssuer()).isEqualTo(Fixtures.API_KEY_SID);
        assertThat(claims.getSubject()).isEqualTo(Fixtures.ACCOUNT_SID);
        assertThat(claims.getIssuedAt().getValue()).isEqualTo(now);
        assertThat(claims.getNotBefore().getValue()).isEqualTo(now);
        assertThat(claims.getExpirationTime().getValue()).isEqualTo(now + 3600);
        assertThat(claims.getClaimValue("grants")).isEqualTo(Map.of("identity", "ann_2Elee",
                "voice", Map.of("incoming", Map.of("allow", true))));
    }

    @Test
    void theTokenLivesAsLongAsAsked() throws Exception {
        JwtClaims claims = verify(tokens.mint("alice", Duration.ofMinutes(90)));

        assertThat(claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue()).isEqualTo(5400);
        assertThatThrownBy(() -> tokens.mint("alice", Duration.ofHours(25))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theOutgoingApplicationAndPushCredentialAreGrantedWhenConfigured() throws Exception {
        TwilioConfig base = Fixtures.config("http://unused");
        TwilioConfig withApp = new TwilioConfig(base.providerId(), base.accountSid(), base.apiKeySid(), base.fromNumber(),
                base.statusCallbackUrl(), "calling_", "AP0123456789abcdef0123456789abcdef",
                "CR0123456789abcdef0123456789abcdef", base.ringTimeout(), base.maxCallDuration(), base.answerHold(),
                base.connectTimeout(), base.requestTimeout(), URI.create("http://unused"), base.accessTokenTtl(),
                base.callbackMaxAge(), base.secrets());

        JwtClaims claims = verify(new TwilioAccessTokens(withApp, Clock.fixed(Fixtures.NOW, ZoneOffset.UTC)).mint("alice"));

        assertThat(claims.getClaimValue("grants")).isEqualTo(Map.of("identity", "calling_alice",
                "voice", Map.of("incoming", Map.of("allow", true),
                        "outgoing", Map.of("application_sid", "AP0123456789abcdef0123456789abcdef"),
                        "push_credential_sid", "CR0123456789abcdef0123456789abcdef")));
    }

    @Test
    void sameShapeAsTheHelperLibrarysVoiceToken() throws Exception {
        String theirs = new AccessToken.Builder(Fixtures.ACCOUNT_SID, Fixtures.API_KEY_SID,
                Fixtures.API_KEY_SECRET.getBytes(StandardCharsets.UTF_8))
                .identity("alice").grant(new VoiceGrant().setIncomingAllow(true)).build().toJwt();
        String ours = tokens.mint("alice");

        JwtClaims theirClaims = new JwtConsumerBuilder().setSkipAllValidators()
                .setVerificationKey(new HmacKey(Fixtures.API_KEY_SECRET.getBytes(StandardCharsets.UTF_8)))
                .build().processToClaims(theirs);
        JwtClaims ourClaims = verify(ours);

        assertThat(ourClaims.getClaimValue("grants")).isEqualTo(theirClaims.getClaimValue("grants"));
        assertThat(ourClaims.getIssuer()).isEqualTo(theirClaims.getIssuer());
        assertThat(ourClaims.getSubject()).isEqualTo(theirClaims.getSubject());
        for (String name : new String[] {"typ", "alg", "cty"}) {
            assertThat(header(ours).getHeader(name)).as(name).isEqualTo(header(theirs).getHeader(name));
        }
    }

    @Test
    void anAccountWithoutApiKeyCannotMintTokens() {
        TwilioConfig base = Fixtures.config("http://unused");
        TwilioConfig noKey = new TwilioConfig(base.providerId(), base.accountSid(), null, base.fromNumber(),
                base.statusCallbackUrl(), "", null, null, base.ringTimeout(), base.maxCallDuration(), base.answerHold(),
                base.connectTimeout(), base.requestTimeout(), URI.create("http://unused"), base.accessTokenTtl(),
                base.callbackMaxAge(), base.secrets());

        assertThatThrownBy(() -> new TwilioAccessTokens(noKey, Clock.systemUTC())).hasMessageContaining("api-key-sid");
    }
}
