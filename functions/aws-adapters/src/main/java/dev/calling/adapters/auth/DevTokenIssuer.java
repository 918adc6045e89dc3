package dev.calling.adapters.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

/**
 * <b>For the local run and tests only</b>: a stand-in for the Cognito user pool. It holds an RSA
 * key pair and signs RS256 access tokens shaped like Cognito's ({@code iss}, {@code sub},
 * {@code client_id} (no {@code aud}), {@code token_use=access}, {@code iat}, {@code exp},
 * {@code jti}, a {@code kid} header), which {@link TokenVerifier} checks against
 * {@link #jwksJson()}. Nothing deployed ever holds one: in AWS the tokens come from Cognito.
 */
public final class DevTokenIssuer {

    public static final String ISSUER = "http://localhost/calling-local";
    public static final String AUDIENCE = "calling-local-app";

    private static final int KEY_BITS = 2048;

    private final RsaJsonWebKey key;
    private final Clock clock;

    private DevTokenIssuer(RsaJsonWebKey key, Clock clock) {
        this.key = key;
        this.clock = clock;
    }

    /** A fresh key pair, held in memory only. */
    public static DevTokenIssuer generate() {
        return new DevTokenIssuer(newKey(), Clock.systemUTC());
    }

    /**
     * The key pair in {@code jwkFile} (a private JWK as JSON), created there first if the file does
     * not exist, so the local run and a token-minting command sign with the same key across runs.
     */
    public static DevTokenIssuer loadOrCreate(Path jwkFile) {
        try {
            if (!Files.exists(jwkFile)) {
                create(jwkFile);
            }
            PublicJsonWebKey loaded = PublicJsonWebKey.Factory.newPublicJwk(Files.readString(jwkFile));
            if (!(loaded instanceof RsaJsonWebKey rsa) || rsa.getPrivateKey() == null) {
                throw new IllegalArgumentException(jwkFile + " does not hold a private RSA JWK");
            }
            return new DevTokenIssuer(rsa, Clock.systemUTC());
        } catch (IOException e) {
            throw new UncheckedIOException("dev signing key " + jwkFile, e);
        } catch (JoseException e) {
            throw new IllegalArgumentException(jwkFile + " is not a JWK: " + e.getMessage(), e);
        }
    }

    // Written aside and moved into place without replacing, so two processes starting at once
    // end up sharing whichever key landed first.
    private static void create(Path jwkFile) throws IOException {
        Path dir = jwkFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, jwkFile.getFileName().toString(), ".tmp");
        try {
            restrictToOwner(temp);
            Files.writeString(temp, newKey().toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE),
                    StandardCharsets.UTF_8);
            Files.move(temp, jwkFile);
        } catch (FileAlreadyExistsException lostRace) {
            // the other process's key is the one to use
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void restrictToOwner(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // a private dev key on a non-POSIX file system: nothing more to do
        }
    }

    private static RsaJsonWebKey newKey() {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(KEY_BITS);
            key.setKeyId(key.calculateBase64urlEncodedThumbprint("SHA-256"));
            key.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
            key.setUse("sig");
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException("RSA key generation failed", e);
        }
    }

    /** The public half as a JWKS document, what an issuer serves at {@code /.well-known/jwks.json}. */
    public String jwksJson() {
        return new JsonWebKeySet(key).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
    }

    public String keyId() {
        return key.getKeyId();
    }

    /** A verifier that accepts this issuer's tokens, as the deployed one accepts Cognito's. */
    public TokenVerifier verifier(Clock verifierClock) {
        return TokenVerifier.forJwks(ISSUER, AUDIENCE, jwksJson(), verifierClock);
    }

    /** An access token for {@code subject}, issued now and valid for {@code ttl}. */
    public String mint(String subject, Duration ttl) {
        return mint(subject, clock.instant(), ttl);
    }

    /** An access token issued at {@code issuedAt}: in the past for one that has already expired. */
    public String mint(String subject, Instant issuedAt, Duration ttl) {
        Objects.requireNonNull(subject, "subject");
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setSubject(subject);
        claims.setClaim("client_id", AUDIENCE);
        claims.setClaim("token_use", "access");
        claims.setClaim("scope", "aws.cognito.signin.user.admin");
        claims.setIssuedAt(NumericDate.fromSeconds(issuedAt.getEpochSecond()));
        claims.setExpirationTime(NumericDate.fromSeconds(issuedAt.plus(ttl).getEpochSecond()));
        claims.setGeneratedJwtId();
        return sign(claims);
    }

    /** Signs any claims with this issuer's key (tests build tokens with a wrong issuer, no sub, ...). */
    public String sign(JwtClaims claims) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("signing failed", e);
        }
    }
}
