package dev.calling.carrier.twilio;

import dev.calling.embedded.MovingClock;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.BasicCredentials;
import dev.calling.secrets.CachedSecret;
import dev.calling.secrets.SecretsManagerClients;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The account's secrets read from AWS Secrets Manager (the real client against a stub of
 * GetSecretValue) and rotated there: Twilio refusing the old API key secret (401), or signing
 * callbacks with the new auth token, makes the adapter read the secret again and carry on.
 */
class TwilioSecretRotationTest {

    static final String SECRET_ID = "arn:aws:secretsmanager:us-east-1:111122223333:secret:calling/twilio-AbCdEf";
    static final String NEW_AUTH_TOKEN = "rotated_auth_token_0123456789abc";
    static final String NEW_API_KEY_SECRET = "rotated_api_key_secret_012345678";

    static WireMockServer secretsManager;
    static WireMockServer twilio;
    static SecretsManagerClient client;


    final MovingClock clock = new MovingClock(Fixtures.NOW);

    @BeforeAll
    static void start() {
        secretsManager = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        secretsManager.start();
        twilio = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        twilio.start();
        client = SecretsManagerClients.create("us-east-1", Optional.of(URI.create(secretsManager.baseUrl())));
    }

    @AfterAll
    static void stop() {
        client.close();
        secretsManager.stop();
        twilio.stop();
    }

    @BeforeEach
    void reset() {
        secretsManager.resetAll();
        twilio.resetAll();
    }

    static void secretIs(String authToken, String apiKeySecret) {
        secretIs(authToken, apiKeySecret, null);
    }

    static void secretIs(String authToken, String apiKeySecret, String apiKeySid) {
        String value = "{\\\"authToken\\\":\\\"" + authToken + "\\\",\\\"apiKeySecret\\\":\\\"" + apiKeySecret + "\\\""
                + (apiKeySid == null ? "" : ",\\\"apiKeySid\\\":\\\"" + apiKeySid + "\\\"") + "}";
        secretsManager.stubFor(post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
                .withRequestBody(equalToJson("{\"SecretId\":\"" + SECRET_ID + "\"}"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/x-amz-json-1.1")
                        .withBody("{\"ARN\":\"" + SECRET_ID + "\",\"Name\":\"calling/twilio\",\"SecretString\":\"" + value
                                + "\",\"VersionId\":\"v-" + authToken.hashCode() + "\",\"VersionStages\":[\"AWSCURRENT\"]}")));
    }

    TwilioConfig config(TwilioSecretSource secrets) {
        return Fixtures.config(twilio.baseUrl(), secrets);
    }

    @Test
    void theSecretsAreReadFromSecretsManagerOnceAndNeverShown() {
        secretIs(Fixtures.AUTH_TOKEN, Fixtures.API_KEY_SECRET);
        TwilioSecretSource source = TwilioSecretSource.fromSecretsManager(client, SECRET_ID, clock);

        TwilioSecrets secrets = source.get();
        source.get();

        assertThat(secrets.authToken()).isEqualTo(Fixtures.AUTH_TOKEN);
        assertThat(secrets.apiKeySecret()).isEqualTo(Fixtures.API_KEY_SECRET);
        secretsManager.verify(1, postRequestedFor(urlEqualTo("/")));
        assertThat(source.toString() + secrets).doesNotContain(Fixtures.AUTH_TOKEN, Fixtures.API_KEY_SECRET);
    }

    @Test
    void aSecretThatIsNotTheDocumentedJsonIsRefusedWithoutQuotingIt() {
        assertThatThrownBy(() -> TwilioSecretSource.parse("just-the-token-" + Fixtures.AUTH_TOKEN, SECRET_ID))
                .hasMessageContaining(SECRET_ID).hasMessageNotContaining(Fixtures.AUTH_TOKEN);
        assertThatThrownBy(() -> TwilioSecretSource.parse("{\"apiKeySecret\":\"x\"}", SECRET_ID))
                .hasMessageContaining("authToken");
    }

    @Test
    void aRotatedApiKeySecretIsReadAgainWhenTwilioRefusesTheOldOneAndTheRequestIsRepeatedOnce() {
        secretIs(Fixtures.AUTH_TOKEN, Fixtures.API_KEY_SECRET);
        TwilioApi api = new TwilioApi(config(TwilioSecretSource.fromSecretsManager(client, SECRET_ID, clock)));
        String sid = Fixtures.callSid(0x77);
        String calls = "/2010-04-01/Accounts/" + Fixtures.ACCOUNT_SID + "/Calls.json";
        twilio.stubFor(post(calls).willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                .withBody("{\"code\":20003,\"message\":\"Authenticate\",\"status\":401}")));
        twilio.stubFor(post(calls).withBasicAuth(Fixtures.API_KEY_SID, NEW_API_KEY_SECRET).willReturn(aResponse()
                .withStatus(201).withHeader("Content-Type", "application/json").withBody("{\"sid\":\"" + sid + "\"}")));
        api.createCall(Fixtures.TO, URI.create(Fixtures.CALLBACK_URL + "?callId=c&attempt=1"), Duration.ofMinutes(5));
        clock.pass(CachedSecret.REREAD_AFTER);

        secretIs(NEW_AUTH_TOKEN, NEW_API_KEY_SECRET); // rotated: Twilio now refuses the old secret
        TwilioApi.DialReply reply = api.createCall(Fixtures.TO, URI.create(Fixtures.CALLBACK_URL + "?callId=c&attempt=2"),
                Duration.ofMinutes(5));

        assertThat(reply).isEqualTo(new TwilioApi.DialReply.Created(sid));
        twilio.verify(1, postRequestedFor(urlEqualTo(calls)).withRequestBody(com.github.tomakehurst.wiremock.client.WireMock
                .containing("attempt%3D2")).withBasicAuth(new BasicCredentials(Fixtures.API_KEY_SID, NEW_API_KEY_SECRET)));
        secretsManager.verify(2, postRequestedFor(urlEqualTo("/")));
    }

    @Test
    void anApiKeyIsRotatedByUpdatingTheSecretAloneWithoutADeployment() throws Exception {
        String newKey = "SK" + "0f".repeat(16);
        secretIs(Fixtures.AUTH_TOKEN, Fixtures.API_KEY_SECRET);
        TwilioSecretSource source = TwilioSecretSource.fromSecretsManager(client, SECRET_ID, clock);
        TwilioApi api = new TwilioApi(config(source));
        String calls = "/2010-04-01/Accounts/" + Fixtures.ACCOUNT_SID + "/Calls.json";
        twilio.stubFor(post(calls).willReturn(aResponse().withStatus(401).withBody("{\"code\":20003,\"status\":401}")));
        twilio.stubFor(post(calls).withBasicAuth(newKey, NEW_API_KEY_SECRET).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody("{\"sid\":\"" + Fixtures.callSid(0x78) + "\"}")));
        source.get();
        clock.pass(TwilioSecretSource.REFRESH_AFTER); // the next read is due

        secretIs(Fixtures.AUTH_TOKEN, NEW_API_KEY_SECRET, newKey); // a new key, its SID kept with its secret
        TwilioApi.DialReply reply = api.createCall(Fixtures.TO, URI.create(Fixtures.CALLBACK_URL + "?callId=c&attempt=1"),
                Duration.ofMinutes(5));
        String token = new TwilioAccessTokens(config(source), clock).mint("alice");

        assertThat(reply).isInstanceOf(TwilioApi.DialReply.Created.class);
        assertThat(new org.jose4j.jwt.consumer.JwtConsumerBuilder().setSkipAllValidators().setDisableRequireSignature()
                .setSkipSignatureVerification().build().processToClaims(token).getIssuer()).isEqualTo(newKey);
        assertThatThrownBy(() -> TwilioSecretSource.parse("{\"authToken\":\"t\",\"apiKeySid\":\"" + newKey + "\"}",
                SECRET_ID)).hasMessageContaining("no apiKeySecret");
    }

    @Test
    void aFetchRefusedWithTheOldSecretIsRepeatedOnceWithTheRotatedOne() {
        secretIs(Fixtures.AUTH_TOKEN, Fixtures.API_KEY_SECRET);
        TwilioApi api = new TwilioApi(config(TwilioSecretSource.fromSecretsManager(client, SECRET_ID, clock)));
        String sid = Fixtures.callSid(0x79);
        String call = "/2010-04-01/Accounts/" + Fixtures.ACCOUNT_SID + "/Calls/" + sid + ".json";
        twilio.stubFor(get(call).willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                .withBody("{\"code\":20003,\"message\":\"Authenticate\",\"status\":401}")));
        twilio.stubFor(get(call).withBasicAuth(Fixtures.API_KEY_SID, NEW_API_KEY_SECRET).willReturn(aResponse()
                .withStatus(200).withHeader("Content-Type", "application/json").withBody("{\"sid\":\"" + sid
                        + "\",\"status\":\"completed\",\"end_time\":\"Mon, 23 Nov 2026 09:58:41 +0000\"}")));
        api.config().secrets().get();
        clock.pass(CachedSecret.REREAD_AFTER);
        secretIs(NEW_AUTH_TOKEN, NEW_API_KEY_SECRET); // rotated: Twilio now refuses the old secret

        Optional<TwilioApi.FetchedCall> fetched = api.fetchCall(sid);

        assertThat(fetched).map(TwilioApi.FetchedCall::endTime).contains(Instant.parse("2026-11-23T09:58:41Z"));
        twilio.verify(2, getRequestedFor(urlEqualTo(call)));
        twilio.verify(1, getRequestedFor(urlEqualTo(call)).withBasicAuth(new BasicCredentials(Fixtures.API_KEY_SID,
                NEW_API_KEY_SECRET)));
    }

    @Test
    void aCredentialTwilioKeepsRefusingIsNotReadAgainAndAgain() {
        secretIs(Fixtures.AUTH_TOKEN, Fixtures.API_KEY_SECRET);
        TwilioApi api = new TwilioApi(config(TwilioSecretSource.fromSecretsManager(client, SECRET_ID, clock)));
        twilio.stubFor(post(urlEqualTo("/2010-04-01/Accounts/" + Fixtures.ACCOUNT_SID + "/Calls.json"))
                .willReturn(aResponse().withStatus(401).withBody("{\"code\":20003,\"status\":401}")));

        for (int dial = 0; dial < 5; dial++) {
            assertThat(api.createCall(Fixtures.TO, URI.create(Fixtures.CALLBACK_URL + "?callId=c&attempt=1"),
                    Duration.ofMinutes(5))).isInstanceOf(TwilioApi.DialReply.Refused.class);
        }

        secretsManager.verify(1, postRequestedFor(urlEqualTo("/"))); // all within CachedSecret.REREAD_AFTER
    }

    @Test
    void aForgeryRightAfterAReadDoesNotMakeTheSecretBeReadAgain() {
        secretIs(Fixtures.AUTH_TOKEN, Fixtures.API_KEY_SECRET);
        TwilioSecretSource source = TwilioSecretSource.fromSecretsManager(client, SECRET_ID, clock);
        source.get();
        clock.pass(CachedSecret.REREAD_AFTER);
        secretIs(NEW_AUTH_TOKEN, NEW_API_KEY_SECRET);

        assertThat(source.refused()).isTrue(); // a refusal long enough after the read: read again
        assertThat(source.get().authToken()).isEqualTo(NEW_AUTH_TOKEN);
        assertThat(source.refused()).isFalse(); // just read: a forgery does not make us read it again
        assertThat(source.refused()).isFalse();

        secretsManager.verify(2, postRequestedFor(urlEqualTo("/")));
    }
}
