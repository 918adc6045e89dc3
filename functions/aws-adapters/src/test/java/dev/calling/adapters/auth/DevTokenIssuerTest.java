package dev.calling.adapters.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwx.JsonWebStructure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevTokenIssuerTest {

    @Test
    void theKeyFileIsCreatedOnceAndSharedByEveryLoad(@TempDir Path dir) throws Exception {
        Path keyFile = dir.resolve("local/dev-signing-key.json");

        DevTokenIssuer first = DevTokenIssuer.loadOrCreate(keyFile);
        DevTokenIssuer second = DevTokenIssuer.loadOrCreate(keyFile);

        assertThat(second.keyId()).isEqualTo(first.keyId());
        assertThat(second.verifier(Clock.systemUTC()).verify(first.mint("bob", Duration.ofMinutes(5))).subject())
                .isEqualTo("bob");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        assertThat(dir.resolve("local")).isDirectoryContaining(path -> path.equals(keyFile))
                .isDirectoryNotContaining("glob:**.tmp");
    }

    @Test
    void theJwksCarriesOnlyThePublicKey() {
        String jwks = DevTokenIssuer.generate().jwksJson();

        assertThat(jwks).contains("\"kty\":\"RSA\"", "\"n\":", "\"e\":", "\"use\":\"sig\"", "\"alg\":\"RS256\"")
                .doesNotContain("\"d\":", "\"p\":", "\"q\":");
    }

    @Test
    void mintedTokensAreShapedLikeCognitoAccessTokens() throws Exception {
        DevTokenIssuer issuer = DevTokenIssuer.generate();

        JsonWebStructure jws = JsonWebStructure.fromCompactSerialization(issuer.mint("carol", Duration.ofMinutes(5)));
        JwtClaims claims = JwtClaims.parse(((JsonWebSignature) jws).getUnverifiedPayload());

        assertThat(jws.getAlgorithmHeaderValue()).isEqualTo("RS256");
        assertThat(jws.getKeyIdHeaderValue()).isEqualTo(issuer.keyId());
        assertThat(claims.getIssuer()).isEqualTo(DevTokenIssuer.ISSUER);
        assertThat(claims.getSubject()).isEqualTo("carol");
        assertThat(claims.getClaimValue("client_id")).isEqualTo(DevTokenIssuer.AUDIENCE);
        assertThat(claims.getClaimValue("token_use")).isEqualTo("access");
        assertThat(claims.hasAudience()).isFalse();
        assertThat(claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue()).isEqualTo(300);
    }
}
