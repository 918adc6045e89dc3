package dev.calling.adapters.auth;

import dev.calling.adapters.auth.InvalidToken.Reason;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jose4j.http.Get;
import org.jose4j.jwa.AlgorithmConstraints.ConstraintType;
import org.jose4j.jwk.HttpsJwks;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwx.JsonWebStructure;
import org.jose4j.keys.resolvers.HttpsJwksVerificationKeyResolver;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.jose4j.keys.resolvers.VerificationKeyResolver;
import org.jose4j.lang.JoseException;
import org.jose4j.lang.UnresolvableKeyException;

/**
 * Verifies an app's JWT the way API Gateway's JWT authorizer does for a Cognito user pool, for
 * the places that have no such authorizer (the WebSocket API's {@code $connect}, the local run):
 * an RS256 signature by a key of the issuer's JWKS, {@code iss} equal to the issuer, {@code exp}
 * required and not past ({@link #CLOCK_SKEW} allowed), {@code sub} required, and the audience in
 * {@code aud} or, when the token has no {@code aud} (Cognito access tokens), equal to
 * {@code client_id}.
 */
public final class TokenVerifier {

    public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    // An authorizer has seconds, not jose4j's default 20 s per attempt, to wait for the JWKS.
    private static final int JWKS_TIMEOUT_MILLIS = 5_000;

    private final String issuer;
    private final String audience;
    private final VerificationKeyResolver keys;
    private final Clock clock;

    private TokenVerifier(String issuer, String audience, VerificationKeyResolver keys, Clock clock) {
        this.issuer = requireText(issuer, "issuer");
        this.audience = requireText(audience, "audience");
        this.keys = keys;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Keys fetched from {@code jwksUrl} when first needed, cached (for the response's max-age, else
     * an hour) and fetched again when a token names a key id the cache does not have, so a
     * rotated key is picked up.
     */
    public static TokenVerifier forJwksUrl(String issuer, String audience, URI jwksUrl, Clock clock) {
        HttpsJwks jwks = new HttpsJwks(jwksUrl.toString());
        Get get = new Get();
        get.setConnectTimeout(JWKS_TIMEOUT_MILLIS);
        get.setReadTimeout(JWKS_TIMEOUT_MILLIS);
        jwks.setSimpleHttpGet(get);
        return new TokenVerifier(issuer, audience, new HttpsJwksVerificationKeyResolver(jwks), clock);
    }

    /** Keys from the issuer's usual place: Cognito publishes a user pool's at {@code <issuer>/.well-known/jwks.json}. */
    public static TokenVerifier forIssuer(String issuer, String audience, Clock clock) {
        return forJwksUrl(issuer, audience, defaultJwksUrl(issuer), clock);
    }

    /** Keys given as a JWKS document (the local run's dev key, tests). */
    public static TokenVerifier forJwks(String issuer, String audience, String jwksJson, Clock clock) {
        try {
            return new TokenVerifier(issuer, audience,
                    new JwksVerificationKeyResolver(new JsonWebKeySet(jwksJson).getJsonWebKeys()), clock);
        } catch (JoseException e) {
            throw new IllegalArgumentException("not a JWKS document: " + e.getMessage(), e);
        }
    }

    public static URI defaultJwksUrl(String issuer) {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        return URI.create(base + "/.well-known/jwks.json");
    }

    /**
     * @throws InvalidToken for any token that does not pass, saying why
     * @throws SigningKeysUnavailable when the JWKS could not be fetched
     */
    public VerifiedToken verify(String token) {
        if (token == null || token.isBlank()) {
            throw new InvalidToken(Reason.MISSING, "no token");
        }
        requireRs256Jws(token);
        JwtClaims claims;
        try {
            claims = consumer().processToClaims(token);
        } catch (InvalidJwtException e) {
            throw refusal(e);
        }
        try {
            requireAudience(claims);
            return new VerifiedToken(claims.getSubject(),
                    Instant.ofEpochSecond(claims.getExpirationTime().getValue()));
        } catch (MalformedClaimException e) {
            throw new InvalidToken(Reason.MALFORMED, "malformed claim: " + e.getMessage());
        }
    }

    // Built per call: jose4j fixes the evaluation time when the consumer is built.
    private JwtConsumer consumer() {
        return new JwtConsumerBuilder()
                .setJwsAlgorithmConstraints(ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256)
                .setVerificationKeyResolver(keys)
                .setExpectedIssuer(issuer)
                .setRequireExpirationTime()
                .setRequireSubject()
                .setAllowedClockSkewInSeconds((int) CLOCK_SKEW.toSeconds())
                .setEvaluationTime(NumericDate.fromMilliseconds(clock.millis()))
                // aud-or-client_id is checked below; jose4j alone would refuse Cognito access tokens.
                .setSkipDefaultAudienceValidation()
                .build();
    }

    /** Checked before any key is looked up, so "alg: none", HS256 or a JWE is named as such. */
    private static void requireRs256Jws(String token) {
        JsonWebStructure structure;
        try {
            structure = JsonWebStructure.fromCompactSerialization(token);
        } catch (JoseException e) {
            throw new InvalidToken(Reason.MALFORMED, "not a JWT (compact JWS serialization expected)");
        }
        if (!(structure instanceof JsonWebSignature)) {
            throw new InvalidToken(Reason.MALFORMED, "encrypted tokens are not accepted");
        }
        if (!AlgorithmIdentifiers.RSA_USING_SHA256.equals(structure.getAlgorithmHeaderValue())) {
            throw new InvalidToken(Reason.BAD_SIGNATURE, "signature algorithm is not RS256");
        }
    }

    /** As API Gateway: {@code aud} when the token has one, else {@code client_id}. */
    private void requireAudience(JwtClaims claims) throws MalformedClaimException {
        if (claims.hasAudience()) {
            List<String> aud = claims.getAudience();
            if (!aud.contains(audience)) {
                throw new InvalidToken(Reason.WRONG_AUDIENCE, "aud does not include " + audience);
            }
            return;
        }
        String clientId = claims.getClaimValue("client_id", String.class);
        if (clientId == null) {
            throw new InvalidToken(Reason.WRONG_AUDIENCE, "token has neither aud nor client_id");
        }
        if (!clientId.equals(audience)) {
            throw new InvalidToken(Reason.WRONG_AUDIENCE, "client_id is not " + audience);
        }
    }

    private RuntimeException refusal(InvalidJwtException e) {
        UnresolvableKeyException noKey = causeOf(e, UnresolvableKeyException.class);
        if (noKey != null) {
            IOException fetch = causeOf(noKey, IOException.class);
            if (fetch != null) {
                return new SigningKeysUnavailable("signing keys could not be fetched: " + fetch, e);
            }
            return new InvalidToken(Reason.BAD_SIGNATURE, "signed with a key the issuer does not publish");
        }
        if (e.hasErrorCode(ErrorCodes.SIGNATURE_INVALID)) {
            return new InvalidToken(Reason.BAD_SIGNATURE, "signature does not verify");
        }
        if (e.hasErrorCode(ErrorCodes.JSON_INVALID) || e.hasErrorCode(ErrorCodes.MALFORMED_CLAIM)) {
            return new InvalidToken(Reason.MALFORMED, "claims are not a valid JSON object of JWT claims");
        }
        if (e.hasErrorCode(ErrorCodes.ISSUER_INVALID) || e.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
            return new InvalidToken(Reason.WRONG_ISSUER, "issuer is not " + issuer);
        }
        if (e.hasExpired()) {
            return new InvalidToken(Reason.EXPIRED, "token expired" + expiry(e));
        }
        if (e.hasErrorCode(ErrorCodes.NOT_YET_VALID)) {
            return new InvalidToken(Reason.NOT_YET_VALID, "token is not valid yet (nbf)");
        }
        if (e.hasErrorCode(ErrorCodes.EXPIRATION_MISSING)) {
            return new InvalidToken(Reason.MISSING_CLAIM, "exp is required");
        }
        if (e.hasErrorCode(ErrorCodes.SUBJECT_MISSING)) {
            return new InvalidToken(Reason.MISSING_CLAIM, "sub is required");
        }
        return new InvalidToken(Reason.MALFORMED, "token refused: " + e.getErrorDetails().stream()
                .map(error -> "code " + error.getErrorCode()).toList());
    }

    private static <T extends Throwable> T causeOf(Throwable thrown, Class<T> type) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }

    private static String expiry(InvalidJwtException e) {
        try {
            return " at " + Instant.ofEpochSecond(e.getJwtContext().getJwtClaims().getExpirationTime().getValue());
        } catch (MalformedClaimException | RuntimeException unreadable) {
            return "";
        }
    }

    private static String requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }
}
