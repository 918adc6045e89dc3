package dev.calling.secrets;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The real Secrets Manager client against a stub of its documented JSON API (GetSecretValue:
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html).
 */
class CachedSecretTest {

    static final String SECRET = "calling/prod/twilio/auth-token";
    static WireMockServer secretsManager;
    static SecretsManagerClient client;

    /** A clock the test moves. */
    static final class MovingClock extends Clock {
        Instant now = Instant.parse("2026-12-04T10:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @BeforeAll
    static void start() {
        secretsManager = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        secretsManager.start();
        client = SecretsManagerClients.create("us-east-1", Optional.of(URI.create(secretsManager.baseUrl())));
    }

    @AfterAll
    static void stop() {
        client.close();
        secretsManager.stop();
    }

    @BeforeEach
    void reset() {
        secretsManager.resetAll();
    }

    static void secretIs(String value) {
        secretsManager.stubFor(post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/x-amz-json-1.1")
                        .withBody("{\"ARN\":\"arn:aws:secretsmanager:us-east-1:111122223333:secret:" + SECRET + "-AbCdEf\","
                                + "\"Name\":\"" + SECRET + "\",\"SecretString\":\"" + value + "\","
                                + "\"VersionId\":\"" + value.hashCode() + "\",\"VersionStages\":[\"AWSCURRENT\"]}")));
    }

    static void secretsManagerFails() {
        secretsManager.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"__type\":\"ResourceNotFoundException\",\"message\":\"Secrets Manager can't find it\"}")));
    }

    @Test
    void oneReadServesEveryUseUntilItIsDueForRefresh() {
        secretIs("token-1");
        MovingClock clock = new MovingClock();
        CachedSecret secret = new CachedSecret(client, SECRET, Duration.ofMinutes(5), clock);

        assertThat(secret.get()).isEqualTo("token-1");
        assertThat(secret.get()).isEqualTo("token-1");
        secretsManager.verify(exactly(1), postRequestedFor(urlEqualTo("/"))
                .withRequestBody(equalToJson("{\"SecretId\":\"" + SECRET + "\"}")));

        secretIs("token-2"); // rotated
        clock.now = clock.now.plus(Duration.ofMinutes(4));
        assertThat(secret.get()).isEqualTo("token-1");
        clock.now = clock.now.plus(Duration.ofMinutes(2));
        assertThat(secret.get()).isEqualTo("token-2");
    }

    @Test
    void aRefusedCredentialIsReadAgainAtOnce() {
        secretIs("token-1");
        MovingClock clock = new MovingClock();
        CachedSecret secret = new CachedSecret(client, SECRET, Duration.ofMinutes(5), clock);
        assertThat(secret.get()).isEqualTo("token-1");
        clock.now = clock.now.plus(CachedSecret.REREAD_AFTER);

        secretIs("token-2");
        assertThat(secret.invalidate()).isTrue();

        assertThat(secret.get()).isEqualTo("token-2");
    }

    @Test
    void invalidationsRightAfterARefreshDoNotReadTheSecretAgain() {
        secretIs("token-1");
        MovingClock clock = new MovingClock();
        CachedSecret secret = new CachedSecret(client, SECRET, Duration.ofMinutes(5), clock);
        assertThat(secret.get()).isEqualTo("token-1");

        for (int forged = 0; forged < 50; forged++) {
            assertThat(secret.invalidate()).isFalse();
            assertThat(secret.get()).isEqualTo("token-1");
        }

        secretsManager.verify(exactly(1), postRequestedFor(urlEqualTo("/")));
    }

    @Test
    void anOutageKeepsTheLastValueButNoValueAtAllFails() {
        secretIs("token-1");
        MovingClock clock = new MovingClock();
        CachedSecret secret = new CachedSecret(client, SECRET, Duration.ofMinutes(5), clock);
        assertThat(secret.get()).isEqualTo("token-1");

        secretsManagerFails();
        clock.now = clock.now.plus(Duration.ofMinutes(10));
        assertThat(secret.get()).isEqualTo("token-1");

        CachedSecret never = new CachedSecret(client, SECRET, Duration.ofMinutes(5), clock);
        assertThatThrownBy(never::get).isInstanceOf(SdkException.class);
        assertThat(secret.toString()).doesNotContain("token-1");
    }
}
