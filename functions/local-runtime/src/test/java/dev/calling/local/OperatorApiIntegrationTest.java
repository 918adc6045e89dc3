package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.core.call.CallState;
import dev.calling.core.call.RouteKind;
import dev.calling.core.call.EndReason;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.money.Money;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

/**
 * The operator API through the local gateway as an operator reaches it in AWS: each request signed with Signature
 * Version 4 (service execute-api) by the AWS SDK's own signer and the local operator's credentials; the gateway checks
 * the signature as API Gateway's IAM authorizer does and hands the OperatorApi the caller's ARN. Its effects are read
 * back through the apps' API and the call state manager: the ledger, a refused PSTN call.
 */
class OperatorApiIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(30);

    static LocalSystem system;
    static DevTokenIssuer tokens;
    static LocalApps apps;
    static URI http;
    static AwsCredentials operator;

    @BeforeAll
    static void start() {
        tokens = DevTokenIssuer.generate();
        List<Subscriber> subscribers = List.of(new Subscriber("pat", Optional.empty(), RoutingPlan.withPstn(List.of())));
        system = LocalSystem.start(LocalSystem.Settings.defaults().withRingTimeout(Duration.ofSeconds(20))
                .withRetryAfter(Duration.ofSeconds(1)).withApi(new LocalSystem.Api(0, 0, tokens))
                .withPstn(subscribers, List.of(UkPerSecond.carrier(100)), ProviderHealth.Policy.defaults())
                .withCharging(UkPerSecond.plan(), Duration.ofMinutes(10)));
        apps = new LocalApps(system, tokens, WAIT);
        http = system.gateway().orElseThrow().httpEndpoint();
        operator = system.gateway().orElseThrow().operatorCredentials().resolveCredentials();
    }

    @AfterAll
    static void stop() {
        apps.close();
        system.close();
    }

    /** A request signed by {@code credentials} with the AWS SDK's SigV4 signer, sent as signed. */
    static OperatorRequests.Reply signed(AwsCredentials credentials, String method, String path, String json, String... headers)
            throws Exception {
        return OperatorRequests.signed(http, credentials, method, path, json, headers);
    }

    static OperatorRequests.Reply send(HttpRequest.Builder request) throws Exception {
        return OperatorRequests.send(request);
    }

    /**
     * What {@code ./run-local --serve} prints for the operator API, pasted into a shell as printed: curl signs SigV4
     * itself, without the {@code x-amz-content-sha256} header the SDK's signer adds, and the gateway takes it as API
     * Gateway does. Skipped where there is no curl (7.75 or later) to run.
     */
    @Test
    void theServeLinesOperatorCommandWorksAsPrintedWithCurl() throws Exception {
        Assumptions.assumeTrue(curlSignsSigV4(), "curl with --aws-sigv4 (7.75+) is not installed");
        List<String> lines = LocalDemo.serveOperator(operator, http);
        String exports = lines.get(1);
        String curl = lines.get(2).substring(lines.get(2).indexOf("curl "));
        assertThat(exports).startsWith("export OPS_KEY=" + operator.accessKeyId() + " OPS_SECRET=");

        Process shell = new ProcessBuilder("bash", "-c", exports + "; " + curl + " -s -w '\\n%{http_code}'")
                .redirectErrorStream(true).start();
        String out = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(shell.waitFor()).isZero();

        assertThat(out).endsWith("\n200").startsWith("{\"userId\":\"ann\"");
        // The same command with another secret is refused at the gateway.
        Process forged = new ProcessBuilder("bash", "-c", exports.replaceAll("OPS_SECRET=\\S+", "OPS_SECRET=0000") + "; "
                + curl + " -s -w '\\n%{http_code}'").redirectErrorStream(true).start();
        assertThat(new String(forged.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip()).endsWith("\n403");
    }

    static boolean curlSignsSigV4() {
        try {
            Process help = new ProcessBuilder("curl", "--help", "all").redirectErrorStream(true).start();
            return new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8).contains("--aws-sigv4")
                    && help.waitFor() == 0;
        } catch (Exception noCurl) {
            return false;
        }
    }

    @Test
    void aSignedTopUpIsInTheUsersLedgerWithItsReasonButNotTheOperatorAndARepeatIsAppliedOnce() throws Exception {
        String user = LocalApps.user("tia");
        String body = "{\"amount\":\"5.00\",\"currency\":\"USD\",\"reason\":\"bank transfer ref 88\"}";
        OperatorRequests.Reply first = signed(operator, "POST", "/ops/v1/accounts/" + user + "/top-ups", body, "Idempotency-Key", "t-88");
        OperatorRequests.Reply again = signed(operator, "POST", "/ops/v1/accounts/" + user + "/top-ups", body, "Idempotency-Key", "t-88");
        OperatorRequests.Reply goodwill = signed(operator, "POST", "/ops/v1/accounts/" + user + "/adjustments",
                "{\"id\":\"g-1\",\"amount\":\"-1.25\",\"currency\":\"USD\",\"reason\":\"duplicate credit reversed\"}");

        assertThat(first.status()).as(String.valueOf(first.body())).isEqualTo(201);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body().path("repeated").asBoolean()).isTrue();
        assertThat(goodwill.status()).isEqualTo(201);
        assertThat(system.accounts().ledger(user)).extracting(LedgerEntry::note)
                .containsExactly(Optional.of(new LedgerEntry.Note("bank transfer ref 88", LocalGateway.LOCAL_OPERATOR_ARN)),
                        Optional.of(new LedgerEntry.Note("duplicate credit reversed", LocalGateway.LOCAL_OPERATOR_ARN)));

        var ledger = apps.app(user).get("/v1/me/ledger");
        assertThat(ledger.status()).isEqualTo(200);
        JsonNode entries = ledger.body().path("entries");
        assertThat(entries).hasSize(2);
        assertThat(entries.get(0).path("kind").asText()).isEqualTo("ADJUSTMENT");
        assertThat(entries.get(0).path("reason").asText()).isEqualTo("duplicate credit reversed");
        assertThat(entries.get(1).path("reason").asText()).isEqualTo("bank transfer ref 88");
        assertThat(ledger.body().toString()).doesNotContain("arn:aws:iam").doesNotContain("local-operator");
        assertThat(apps.app(user).get("/v1/me/balance").body().path("balance").path("amount").asText()).isEqualTo("3.75");
    }

    @Test
    void anUnsignedOrWronglySignedRequestIsForbiddenAtTheGatewayAndABadBodyWritesNothing() throws Exception {
        String user = LocalApps.user("uli");
        String body = "{\"amount\":\"5.00\",\"currency\":\"USD\",\"reason\":\"x\",\"id\":\"u-1\"}";
        OperatorRequests.Reply unsigned = send(HttpRequest.newBuilder(http.resolve("/ops/v1/accounts/" + user + "/top-ups"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        OperatorRequests.Reply stranger = signed(AwsBasicCredentials.create(operator.accessKeyId(), "not-the-secret-key-at-all-000000000000"),
                "POST", "/ops/v1/accounts/" + user + "/top-ups", body);
        OperatorRequests.Reply bearer = send(HttpRequest.newBuilder(http.resolve("/ops/v1/accounts/" + user + "/top-ups"))
                .header("Authorization", "Bearer " + tokens.mint(user, Duration.ofMinutes(5)))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(List.of(unsigned.status(), stranger.status(), bearer.status())).containsOnly(403);
        assertThat(stranger.body().path("message").asText()).contains("signature");

        OperatorRequests.Reply bad = signed(operator, "POST", "/ops/v1/accounts/" + user + "/top-ups",
                "{\"amount\":\"5.00\",\"currency\":\"USD\",\"id\":\"u-2\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.contentType()).isEqualTo("application/problem+json");
        assertThat(signed(operator, "POST", "/ops/v1/accounts/" + user + "/top-ups", "{\"amount\":").status())
                .isEqualTo(400);
        assertThat(system.accounts().ledger(user)).isEmpty();
    }

    @Test
    void aPstnBlockRefusesTheUsersCallsToPhoneNumbersButNotToAppUsersAndAnUnblockRestoresThem() throws Exception {
        system.accounts().topUp("pat", "pat-card", Money.of("10.00", "USD"), Instant.now());
        var pat = apps.app("pat");
        apps.online("pat");
        OperatorRequests.Reply blocked = signed(operator, "PUT", "/ops/v1/users/pat/pstn-block", "{\"reason\":\"fraud review 12\"}");
        assertThat(blocked.status()).isEqualTo(200);

        String refused = dial(pat, "+447400123456");
        assertThat(system.awaitEnded(refused, WAIT).endReason()).isEqualTo(EndReason.FAILED);
        assertThat(system.call(refused).orElseThrow().timeline().toString()).contains("blocked");
        assertThat(system.accounts().ledger("pat")).extracting(LedgerEntry::kind).containsExactly(LedgerEntry.Kind.TOP_UP);

        String ben = LocalApps.user("ben");
        apps.online(ben);
        String voip = apps.placeCall(pat, ben);
        assertThat(system.awaitState(voip, CallState.RINGING, WAIT).route()).as("VoIP unaffected").isEqualTo(RouteKind.VOIP);

        assertThat(signed(operator, "DELETE", "/ops/v1/users/pat/pstn-block", null).status()).isEqualTo(204);
        String allowed = dial(pat, "+447400123457");
        LocalSystem.awaitCondition(WAIT, () -> system.call(allowed).map(c -> c.route() == RouteKind.PSTN).orElse(false),
                "the call routed over PSTN after the unblock");
    }

    static String dial(AppClient app, String number) {
        var placed = app.post("/v1/calls", "{\"phoneNumber\":\"" + number + "\"}", "Idempotency-Key",
                UUID.randomUUID().toString());
        assertThat(placed.status()).as(placed.body().toString()).isEqualTo(202);
        return placed.body().path("callId").asText();
    }
}
