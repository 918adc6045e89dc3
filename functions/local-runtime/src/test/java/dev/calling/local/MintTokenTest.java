package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.auth.DevTokenIssuer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tools/mint-token}: one token on standard output, one the local gateway's verifier accepts. */
class MintTokenTest {

    @TempDir
    Path localData;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int mint(String... args) {
        return MintToken.run(args, localData, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void printsOneTokenThatTheLocalVerifierAcceptsForTheUser() {
        assertThat(mint("ann")).isZero();

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        // The key ./run-local signs and verifies with: the same file under local-data/.
        DevTokenIssuer issuer = DevTokenIssuer.loadOrCreate(localData.resolve("dev-jwt-key.json"));
        var verified = issuer.verifier(Clock.systemUTC()).verify(printed.strip());
        assertThat(verified.subject()).isEqualTo("ann");
        assertThat(verified.expiresAt()).isBetween(Instant.now().plus(Duration.ofHours(11)),
                Instant.now().plus(Duration.ofHours(12)).plusSeconds(5));
    }

    @Test
    void takesTheLifetimeInHours() {
        assertThat(mint("ben", "2")).isZero();

        var verified = DevTokenIssuer.loadOrCreate(localData.resolve("dev-jwt-key.json")).verifier(Clock.systemUTC())
                .verify(out.toString(StandardCharsets.UTF_8).strip());
        assertThat(verified.subject()).isEqualTo("ben");
        assertThat(verified.expiresAt()).isBefore(Instant.now().plus(Duration.ofHours(2)).plusSeconds(5));
    }

    @Test
    void aUsageErrorPrintsNothingOnStandardOutput() {
        assertThat(mint()).isEqualTo(2);
        assertThat(mint("ann", "soon")).isEqualTo(2);
        assertThat(mint("--help")).isEqualTo(2);
        assertThat(mint("ann", "1", "extra")).isEqualTo(2);

        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: tools/mint-token <userId>");
    }
}
