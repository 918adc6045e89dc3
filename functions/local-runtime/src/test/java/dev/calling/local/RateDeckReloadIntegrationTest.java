package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.core.call.Attempt;
import dev.calling.core.call.Call;
import dev.calling.core.call.RouteKind;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.CarrierStatus;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.ProviderKind;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import dev.calling.embedded.EmbeddedS3;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * An operator replaces a carrier's cost deck while the system runs: uploads a CSV to the local S3 (s3mock) and
 * schedules it through the SigV4-signed operator API; the call state manager prices the carrier by it from then on,
 * without a restart, so least-cost routing changes carrier. A deck scheduled ahead changes nothing yet, and an
 * invalid one is refused and changes nothing.
 */
class RateDeckReloadIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    /** The call state manager reads a carrier's schedule this often here (60 s deployed). */
    static final Duration REFRESH = Duration.ofMillis(300);
    static final String HEADER = "prefix,per_minute,connect_fee,currency,increment,effective_from\n";

    static CompletableFuture<EmbeddedS3> s3Started;
    static EmbeddedS3 s3;
    static LocalSystem system;
    static SimulatedSwitch sw;
    static Device caller;
    static URI http;
    static AwsCredentials operator;

    static Provider carrier(String id, String perMinute) {
        return new Provider(id, ProviderKind.PSTN, RateDeck.of(List.of(new Rate("44", Money.of(perMinute, "USD"),
                Money.of("0", "USD"), BillingIncrement.PER_MINUTE, LocalDate.of(2020, 1, 1)))), 100, true, 50);
    }

    @BeforeAll
    static void start() {
        s3Started = EmbeddedS3.startInBackground(); // the slowest to start: alongside the system
        system = LocalSystem.start(LocalSystem.Settings.defaults().withRingTimeout(Duration.ofSeconds(5))
                .withRetryAfter(Duration.ofSeconds(1)).withApi(new LocalSystem.Api(0, 0, DevTokenIssuer.generate()))
                .withPstn(List.of(new Subscriber("rae", Optional.empty(), RoutingPlan.withPstn(List.of()))),
                        List.of(carrier("kestrel", "0.0100"), carrier("osprey", "0.0200")), ProviderHealth.Policy.defaults())
                .withRateDecks(new LocalSystem.RateDecks(() -> s3Started.join().endpoint(), REFRESH)));
        http = system.gateway().orElseThrow().httpEndpoint();
        operator = system.gateway().orElseThrow().operatorCredentials().resolveCredentials();
        sw = system.simulatedSwitch();
        system.accounts().topUp("rae", "rae-card", Money.of("50", "USD"), Instant.now());
        caller = sw.connect("rae", "phone");
        system.awaitLive(caller, WAIT);
        s3 = s3Started.join();
    }

    @AfterAll
    static void stop() {
        if (system != null) {
            system.close();
        }
        EmbeddedS3.closeWhenStarted(s3Started);
    }

    static void upload(String key, String csv) {
        s3.s3().putObject(r -> r.bucket(Resources.RATE_DECK_OBJECTS.name()).key(key), RequestBody.fromString(csv));
    }

    static OperatorRequests.Reply schedule(String carrierId, String body) throws Exception {
        return OperatorRequests.signed(http, operator, "PUT", "/ops/v1/carriers/" + carrierId + "/rate-deck", body);
    }

    /** The carrier the next call to a UK number goes through first. */
    static String firstCarrierOfACall() {
        String number = "+447400" + String.format("%06d", Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000));
        sw.phoneLine(number, RingResponse.answerAfter(Duration.ofMillis(100), Duration.ofMillis(100)));
        Call call = system.awaitEnded(caller.dial(number, CallerScript.waitForOtherSide()), WAIT);
        assertThat(call.route()).as(call.timeline().toString()).isEqualTo(RouteKind.PSTN);
        return call.attempts().stream().map(Attempt::providerId).findFirst().orElseThrow();
    }

    /** What the call state manager's catalogue prices a carrier's UK minute at now. */
    static String perMinute(String carrierId) {
        CarrierStatus status = system.carriers().carriers(Instant.now()).stream()
                .filter(c -> c.provider().id().equals(carrierId)).findFirst().orElseThrow();
        return status.provider().costDeck().lookup("447700900123", LocalDate.now()).orElseThrow().perMinute()
                .toBigDecimal().stripTrailingZeros().toPlainString();
    }

    @Test
    void aScheduledDeckReroutesTheNextCallWithoutARestartAFutureOneAndAnInvalidOneDoNot() throws Exception {
        assertThat(firstCarrierOfACall()).as("kestrel is the cheaper by its packaged deck").isEqualTo("kestrel");

        upload("kestrel/2026-12.csv", HEADER + "44,0.0500,0,USD,60/60,2020-01-01\n");
        OperatorRequests.Reply dearer = schedule("kestrel", "{\"key\":\"kestrel/2026-12.csv\",\"reason\":\"price rise\"}");
        assertThat(dearer.status()).as(String.valueOf(dearer.body())).isEqualTo(201);
        LocalSystem.awaitCondition(WAIT, () -> perMinute("kestrel").equals("0.05"),
                "the call state manager to price kestrel by the scheduled deck");
        assertThat(firstCarrierOfACall()).as("kestrel now dearer than osprey").isEqualTo("osprey");

        upload("kestrel/2027-01.csv", HEADER + "44,0.0010,0,USD,60/60,2020-01-01\n");
        OperatorRequests.Reply ahead = schedule("kestrel", "{\"key\":\"kestrel/2027-01.csv\",\"effectiveFrom\":\""
                + Instant.now().plus(Duration.ofHours(1)) + "\"}");
        assertThat(ahead.status()).isEqualTo(201);
        Thread.sleep(REFRESH.multipliedBy(3).toMillis()); // past a read of the schedule that includes it
        assertThat(perMinute("kestrel")).as("a deck ahead is not in effect yet").isEqualTo("0.05");

        upload("osprey/bad.csv", HEADER + "44,0.0001,0,USD,60/60,2020-01-01\n44,0.0002,0,USD,60/60,2020-01-01\n");
        OperatorRequests.Reply invalid = schedule("osprey", "{\"key\":\"osprey/bad.csv\"}");
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.contentType()).isEqualTo("application/problem+json");
        assertThat(invalid.body().path("detail").asText()).contains("line 3").contains("duplicate prefix 44");
        OperatorRequests.Reply listing = OperatorRequests.signed(http, operator, "GET", "/ops/v1/carriers/osprey/rate-decks",
                null);
        assertThat(listing.body().path("decks")).isEmpty();
        Thread.sleep(REFRESH.multipliedBy(2).toMillis());
        assertThat(perMinute("osprey")).isEqualTo("0.02");
        assertThat(firstCarrierOfACall()).as("neither the deck ahead nor the refused one routes").isEqualTo("osprey");
    }
}
