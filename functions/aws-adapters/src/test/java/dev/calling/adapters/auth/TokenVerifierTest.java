package dev.calling.adapters.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.calling.adapters.auth.InvalidToken.Reason;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {

    static final DevTokenIssuer ISSUER = DevTokenIssuer.generate();
    static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    final TokenVerifier verifier = ISSUER.verifier(CLOCK);

    static JwtClaims claims() {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(DevTokenIssuer.ISSUER);
        claims.setSubject("alice");
        claims.setClaim("client_id", DevTokenIssuer.AUDIENCE);
        claims.setIssuedAt(NumericDate.fromSeconds(NOW.getEpochSecond()));
        claims.setExpirationTime(NumericDate.fromSeconds(NOW.plusSeconds(3600).getEpochSecond()));
        return claims;
    }

    static void assertRefused(ThrowingCallable verification, Reason reason, String message) {
        assertThatThrownBy(verification).isInstanceOfSatisfying(InvalidToken.class, refused -> {
            assertThat(refused.reason()).isEqualTo(reason);
            assertThat(refused.getMessage()).contains(message);
        });
    }

    @Test
    void aCognitoShapedAccessTokenWithClientIdAndNoAudIsAccepted() {
        String token = ISSUER.mint("alice", NOW.minusSeconds(60), Duration.ofHours(1));

        assertThat(verifier.verify(token)).isEqualTo(new VerifiedToken("alice", NOW.plusSeconds(3540)));
    }

    @Test
    void aTokenWhoseAudIncludesTheAudienceIsAccepted() {
        JwtClaims claims = claims();
        claims.unsetClaim("client_id");
        claims.setAudience("some-other-api", DevTokenIssuer.AUDIENCE);

        assertThat(verifier.verify(ISSUER.sign(claims)).subject()).isEqualTo("alice");
    }

    @Test
    void anExpiredTokenIsRefusedOnlyOutsideTheClockSkew() {
        String justExpired = ISSUER.mint("alice", NOW.minus(Duration.ofHours(1)).minusSeconds(20), Duration.ofHours(1));
        String expired = ISSUER.mint("alice", NOW.minus(Duration.ofHours(2)), Duration.ofHours(1));

        assertThat(verifier.verify(justExpired).subject()).as("20 s past exp, within the 30 s skew").isEqualTo("alice");
        assertRefused(() -> verifier.verify(expired), Reason.EXPIRED, "token expired at 2026-11-25T09:00:00Z");
    }

    @Test
    void aTokenFromAnotherIssuerIsRefused() {
        JwtClaims claims = claims();
        claims.setIssuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other");

        assertRefused(() -> verifier.verify(ISSUER.sign(claims)), Reason.WRONG_ISSUER,
                "issuer is not " + DevTokenIssuer.ISSUER);
    }

    @Test
    void aTokenForAnotherAppIsRefused() {
        JwtClaims otherClient = claims();
        otherClient.setClaim("client_id", "another-app");
        JwtClaims otherAud = claims();
        otherAud.setAudience("another-app");
        JwtClaims neither = claims();
        neither.unsetClaim("client_id");

        assertRefused(() -> verifier.verify(ISSUER.sign(otherClient)), Reason.WRONG_AUDIENCE, "client_id is not");
        assertRefused(() -> verifier.verify(ISSUER.sign(otherAud)), Reason.WRONG_AUDIENCE,
                "aud does not include calling-local-app");
        assertRefused(() -> verifier.verify(ISSUER.sign(neither)), Reason.WRONG_AUDIENCE, "neither aud nor client_id");
    }

    @Test
    void audDecidesWhenPresentEvenIfClientIdWouldMatch() {
        JwtClaims claims = claims();
        claims.setAudience("another-app");

        assertRefused(() -> verifier.verify(ISSUER.sign(claims)), Reason.WRONG_AUDIENCE, "aud does not include");
    }

    @Test
    void aTamperedPayloadFailsTheSignature() {
        String[] parts = ISSUER.mint("alice", NOW, Duration.ofHours(1)).split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"alice\"", "\"mallory\"");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];

        assertRefused(() -> verifier.verify(tampered), Reason.BAD_SIGNATURE, "signature does not verify");
    }

    @Test
    void aTokenSignedByAKeyTheIssuerDoesNotPublishIsRefused() {
        String foreign = DevTokenIssuer.generate().mint("alice", NOW, Duration.ofHours(1));

        assertRefused(() -> verifier.verify(foreign), Reason.BAD_SIGNATURE, "key the issuer does not publish");
    }

    @Test
    void unsignedAndHmacTokensAreRefusedWhateverTheirClaims() throws Exception {
        JsonWebSignature none = new JsonWebSignature();
        none.setPayload(claims().toJson());
        none.setAlgorithmConstraints(AlgorithmConstraints.NO_CONSTRAINTS);
        none.setAlgorithmHeaderValue(AlgorithmIdentifiers.NONE);

        // The classic confusion attack: HS256 keyed with the issuer's public key.
        Key publicKeyAsSecret = new HmacKey(
                new JsonWebKeySet(ISSUER.jwksJson()).getJsonWebKeys().get(0).getKey().getEncoded());
        JsonWebSignature hmac = new JsonWebSignature();
        hmac.setPayload(claims().toJson());
        hmac.setKey(publicKeyAsSecret);
        hmac.setKeyIdHeaderValue(ISSUER.keyId());
        hmac.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);

        assertRefused(() -> verifier.verify(none.getCompactSerialization()), Reason.BAD_SIGNATURE, "not RS256");
        assertRefused(() -> verifier.verify(hmac.getCompactSerialization()), Reason.BAD_SIGNATURE, "not RS256");
    }

    @Test
    void subAndExpAreRequired() {
        JwtClaims noSub = claims();
        noSub.unsetClaim("sub");
        JwtClaims noExp = claims();
        noExp.unsetClaim("exp");

        assertRefused(() -> verifier.verify(ISSUER.sign(noSub)), Reason.MISSING_CLAIM, "sub is required");
        assertRefused(() -> verifier.verify(ISSUER.sign(noExp)), Reason.MISSING_CLAIM, "exp is required");
    }

    @Test
    void missingAndGarbageTokensAreRefused() {
        assertRefused(() -> verifier.verify(null), Reason.MISSING, "no token");
        assertRefused(() -> verifier.verify("  "), Reason.MISSING, "no token");
        assertRefused(() -> verifier.verify("not-a-jwt"), Reason.MALFORMED, "not a JWT");
        assertRefused(() -> verifier.verify("a.b.c"), Reason.MALFORMED, "not a JWT");
    }

    @Test
    void aClaimOfTheWrongTypeIsMalformed() {
        JwtClaims claims = claims();
        claims.setClaim("exp", "tomorrow");

        assertRefused(() -> verifier.verify(ISSUER.sign(claims)), Reason.MALFORMED, "claims");
    }

    @Test
    void keysFromAJwksUrlAreFetchedOnceAndCached() throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        HttpServer server = jwksServer("/pool/.well-known/jwks.json", fetches);
        try {
            String issuer = "http://127.0.0.1:" + server.getAddress().getPort() + "/pool";
            TokenVerifier fromUrl = TokenVerifier.forIssuer(issuer, DevTokenIssuer.AUDIENCE, CLOCK);
            JwtClaims claims = claims();
            claims.setIssuer(issuer);

            assertThat(fromUrl.verify(ISSUER.sign(claims)).subject()).isEqualTo("alice");
            assertThat(fromUrl.verify(ISSUER.sign(claims)).subject()).isEqualTo("alice");
            assertThat(fetches).hasValue(1);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anUnreachableJwksIsNotBlamedOnTheToken() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        TokenVerifier unreachable = TokenVerifier.forJwksUrl(DevTokenIssuer.ISSUER, DevTokenIssuer.AUDIENCE,
                URI.create("http://127.0.0.1:" + closedPort + "/jwks.json"), CLOCK);

        assertThatThrownBy(() -> unreachable.verify(ISSUER.mint("alice", NOW, Duration.ofHours(1))))
                .isInstanceOf(SigningKeysUnavailable.class)
                .hasMessageContaining("signing keys could not be fetched");
    }

    @Test
    void theDefaultJwksUrlIsWhereCognitoPublishesIt() {
        assertThat(TokenVerifier.defaultJwksUrl("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/"))
                .hasToString("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/jwks.json");
    }

    private static HttpServer jwksServer(String path, AtomicInteger fetches) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] jwks = ISSUER.jwksJson().getBytes(StandardCharsets.UTF_8);
        server.createContext(path, exchange -> {
            fetches.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, jwks.length);
            exchange.getResponseBody().write(jwks);
            exchange.close();
        });
        server.start();
        return server;
    }
}
