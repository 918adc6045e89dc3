package dev.calling.carrier.twilio;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.JoseException;

/**
 * Mints Twilio Voice access tokens for our users, so that the caller's app can register its Twilio
 * Voice SDK and receive the {@code <Dial><Client>} of a bridge. The token is the documented JWT
 * (Access Tokens, https://www.twilio.com/docs/iam/access-tokens, "Anatomy of an Access Token"):
 *
 * <ul>
 *   <li>header {@code {"typ":"JWT","alg":"HS256","cty":"twilio-fpa;v=1"}};</li>
 *   <li>{@code jti} = API key SID + {@code -} + issue time, {@code iss} = the API key SID,
 *       {@code sub} = the account SID, {@code iat}, {@code nbf}, {@code exp};</li>
 *   <li>{@code grants.identity} = {@link ClientIdentity} of the user, and {@code grants.voice}
 *       with {@code incoming.allow = true}, plus {@code outgoing.application_sid} and
 *       {@code push_credential_sid} when configured (the shape of twilio-java's {@code VoiceGrant});</li>
 *   <li>signed HS256 with the API key's secret ("This contains a secret which will be used to sign
 *       Access Tokens"): an account without an API key cannot mint them.</li>
 * </ul>
 *
 * With jose4j, which the project already carries (no helper library in the zip).
 */
public final class TwilioAccessTokens {

    static final String CONTENT_TYPE = "twilio-fpa;v=1";

    private final TwilioConfig config;
    private final Clock clock;

    public TwilioAccessTokens(TwilioConfig config, Clock clock) {
        if (config.apiKeySid() == null) {
            throw new IllegalArgumentException("Twilio carrier " + config.providerId()
                    + " has no api-key-sid: access tokens are signed with an API key's secret");
        }
        this.config = config;
        this.clock = clock;
    }

    /** A token for {@code userId} that lives {@code access-token-ttl}. */
    public String mint(String userId) {
        return mint(userId, config.accessTokenTtl());
    }

    /**
     * A token for {@code userId} that lives {@code ttl} (e.g. the call's maximum length), at most 24 h.
     * The token is a credential: hand it to the user's app only, never log it.
     */
    public String mint(String userId, Duration ttl) {
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(Duration.ofHours(24)) > 0) {
            throw new IllegalArgumentException("an access token lives between 1 s and 24 h: " + ttl);
        }
        TwilioSecrets secrets = config.currentSecrets();
        String secret = secrets.apiKeySecret();
        if (secret == null) {
            throw new IllegalStateException("Twilio carrier " + config.providerId() + " has no API key secret");
        }
        String apiKeySid = secrets.apiKeySidOr(config.apiKeySid());
        long now = clock.instant().getEpochSecond();
        JwtClaims claims = new JwtClaims();
        claims.setJwtId(apiKeySid + "-" + now);
        claims.setIssuer(apiKeySid);
        claims.setSubject(config.accountSid());
        claims.setIssuedAt(NumericDate.fromSeconds(now));
        claims.setNotBefore(NumericDate.fromSeconds(now));
        claims.setExpirationTime(NumericDate.fromSeconds(now + ttl.toSeconds()));
        Map<String, Object> voice = new LinkedHashMap<>();
        voice.put("incoming", Map.of("allow", true));
        if (config.twimlAppSid() != null) {
            voice.put("outgoing", Map.of("application_sid", config.twimlAppSid()));
        }
        if (config.pushCredentialSid() != null) {
            voice.put("push_credential_sid", config.pushCredentialSid());
        }
        Map<String, Object> grants = new LinkedHashMap<>();
        grants.put("identity", ClientIdentity.of(config.clientIdentityPrefix(), userId));
        grants.put("voice", voice);
        claims.setClaim("grants", grants);

        JsonWebSignature jws = new JsonWebSignature();
        jws.setHeader("typ", "JWT");
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
        jws.setHeader("cty", CONTENT_TYPE);
        jws.setPayload(claims.toJson());
        jws.setKey(new HmacKey(secret.getBytes(StandardCharsets.UTF_8)));
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign a Twilio access token: " + e.getMessage(), e);
        }
    }
}
