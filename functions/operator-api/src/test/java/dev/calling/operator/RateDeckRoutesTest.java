package dev.calling.operator;

import static dev.calling.operator.OperatorApiTest.json;
import static dev.calling.operator.OperatorApiTest.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.adapters.Resources;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.dynamodb.DynamoDbSubscriberDirectory;
import dev.calling.adapters.routing.DynamoDbRateDecks;
import dev.calling.adapters.routing.S3RateDeckObjects;
import dev.calling.core.operator.AccountAdjustments;
import dev.calling.core.operator.PstnBlocking;
import dev.calling.core.operator.RateDeckScheduling;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.embedded.EmbeddedS3;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Currency;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;

/**
 * The rate-deck routes with their real adapters against dynalite and s3mock (the rate-decks bucket versioned, as in
 * AWS), fed IAM-authorised requests as API Gateway sends them: an operator schedules a carrier's deck from an object
 * they uploaded, and reads the carrier's schedule.
 */
class RateDeckRoutesTest {

    static final Instant NOW = OperatorApiTest.NOW;
    static final String ALICE = OperatorApiTest.ALICE;
    static final String BUCKET = Resources.RATE_DECK_OBJECTS.name();
    static final String HEADER = "prefix,per_minute,connect_fee,currency,increment,effective_from\n";

    static EmbeddedAws aws;
    static EmbeddedS3 s3mock;
    static DynamoDbClient dynamoDb;
    static S3Client s3;
    static DynamoDbRateDecks table;
    static OperatorApi api;

    /** The scheduling of an API whose deployment has no carriers (the other operator tests). */
    static RateDeckScheduling noCarriers(Clock clock) {
        return new RateDeckScheduling(Set.of(), key -> {
            throw new IllegalStateException("no carriers, no decks");
        }, new DynamoDbRateDecks(null, Resources.RATE_DECKS.name()), clock);
    }

    @BeforeAll
    static void start() {
        var started = EmbeddedS3.startInBackground();
        aws = EmbeddedAws.start();
        s3mock = started.join();
        dynamoDb = aws.clients().dynamoDb();
        s3 = s3mock.s3();
        s3.putBucketVersioning(r -> r.bucket(BUCKET).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        table = new DynamoDbRateDecks(dynamoDb, Resources.RATE_DECKS.name());
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        api = new OperatorApi(new AccountAdjustments(new DynamoDbAccounts(dynamoDb, Resources.ACCOUNTS.name()),
                Currency.getInstance("USD"), clock),
                new PstnBlocking(new DynamoDbSubscriberDirectory(dynamoDb, Resources.SUBSCRIBERS.name()), clock),
                new RateDeckScheduling(Set.of("atlas", "borealis", "cirrus", "dover"), new S3RateDeckObjects(() -> s3, BUCKET),
                        table, clock));
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        s3mock.close();
        aws.close();
    }

    static void upload(String key, String content) {
        s3.putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromString(content));
    }

    static APIGatewayV2HTTPResponse put(String carrier, String body) {
        return api.handle(request("PUT", "/ops/v1/carriers/" + carrier + "/rate-deck", body, ALICE));
    }

    static JsonNode problem(APIGatewayV2HTTPResponse response, int status) throws Exception {
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(status);
        assertThat(response.getHeaders()).containsEntry("content-type", "application/problem+json");
        return json(response);
    }

    @Test
    void aDeckIsScheduledOnceARetryAnswersTheSameItemAndTheListingShowsTheOneInEffect() throws Exception {
        upload("atlas/2026-12.csv", HEADER + "44,0.0045,0,USD,60/60,2026-01-01\n33,0.01,0,USD,60/60,2026-01-01\n");
        String body = "{\"key\":\"atlas/2026-12.csv\",\"reason\":\"December prices\"}";

        APIGatewayV2HTTPResponse first = put("atlas", body);
        APIGatewayV2HTTPResponse again = put("atlas", "{\"key\":\"atlas/2026-12.csv\",\"effectiveFrom\":\"" + NOW + "\"}");

        assertThat(first.getStatusCode()).as(first.getBody()).isEqualTo(201);
        JsonNode deck = json(first);
        assertThat(deck.path("effectiveFrom").asText()).isEqualTo("2026-12-05T10:00:00.000Z");
        assertThat(deck.path("rates").asInt()).isEqualTo(2);
        assertThat(deck.path("currency").asText()).isEqualTo("USD");
        assertThat(deck.path("operator").asText()).isEqualTo(ALICE);
        assertThat(deck.path("reason").asText()).isEqualTo("December prices");
        assertThat(deck.path("versionId").asText()).isNotEmpty();
        assertThat(deck.path("eTag").asText()).isNotEmpty();
        assertThat(again.getStatusCode()).isEqualTo(200);
        assertThat(again.getHeaders()).containsEntry("idempotent-replayed", "true");
        assertThat(json(again)).isEqualTo(deck);
        assertThat(table.schedule("atlas", 10)).hasSize(1);

        upload("atlas/2027-01.csv", HEADER + "44,0.0040,0,USD,60/60,2026-01-01\n");
        assertThat(put("atlas", "{\"key\":\"atlas/2027-01.csv\",\"effectiveFrom\":\"2027-01-01T00:00:00Z\"}")
                .getStatusCode()).isEqualTo(201);
        JsonNode listing = json(api.handle(request("GET", "/ops/v1/carriers/atlas/rate-decks", null, ALICE)));
        assertThat(listing.path("decks")).extracting(d -> d.path("key").asText() + " " + d.path("inEffect").asBoolean())
                .containsExactly("atlas/2027-01.csv false", "atlas/2026-12.csv true");
    }

    @Test
    void anotherObjectReplacesAFutureDeckButADeckInEffectIsNeverReplaced() throws Exception {
        upload("borealis/a.csv", HEADER + "44,0.01,0,USD,60/60,2026-01-01\n");
        String future = "{\"key\":\"borealis/a.csv\",\"effectiveFrom\":\"2026-12-06T00:00:00Z\"}";
        assertThat(put("borealis", future).getStatusCode()).isEqualTo(201);
        upload("borealis/a.csv", HEADER + "44,0.02,0,USD,60/60,2026-01-01\n"); // a new version of the key

        APIGatewayV2HTTPResponse replaced = put("borealis", future);
        assertThat(replaced.getStatusCode()).as(replaced.getBody()).isEqualTo(201);
        assertThat(table.schedule("borealis", 10)).singleElement()
                .satisfies(d -> assertThat(d.object().versionId().orElseThrow()).isEqualTo(json(replaced).path("versionId").asText()));

        String current = "{\"key\":\"borealis/a.csv\",\"effectiveFrom\":\"2026-12-05T09:58:00Z\"}";
        assertThat(put("borealis", current).getStatusCode()).isEqualTo(201);
        upload("borealis/a.csv", HEADER + "44,0.03,0,USD,60/60,2026-01-01\n");
        JsonNode conflict = problem(put("borealis", current), 409);
        assertThat(conflict.path("detail").asText()).contains("a deck in effect is never replaced: schedule a new one");
        assertThat(conflict.path("type").asText()).endsWith("/rate-deck-in-effect");
        assertThat(table.schedule("borealis", 10)).hasSize(2);
    }

    @Test
    void badDecksAreRefusedWithTheLineAndWriteNothing() throws Exception {
        upload("cirrus/bad.csv", HEADER + "44,0.01,0,USD,60/60,2026-01-01\n4x,0.01,0,USD,60/60,2026-01-01\n");
        upload("cirrus/usd.csv", HEADER + "44,0.01,0,USD,60/60,2026-01-01\n");
        upload("cirrus/eur.csv", HEADER + "44,0.01,0,EUR,60/60,2026-01-01\n");
        upload("cirrus/empty.csv", "");

        assertThat(problem(put("cirrus", "{\"key\":\"cirrus/bad.csv\"}"), 422).path("detail").asText())
                .contains("rate deck cirrus/bad.csv line 3: bad prefix '4x'");
        assertThat(problem(put("cirrus", "{\"key\":\"cirrus/none.csv\"}"), 422).path("detail").asText())
                .contains("no object cirrus/none.csv in the rate-decks bucket");
        assertThat(problem(put("cirrus", "{\"key\":\"cirrus/empty.csv\"}"), 422).path("type").asText())
                .endsWith("/rate-deck-refused");
        assertThat(problem(put("cirrus", "{\"key\":\"cirrus/usd.csv\",\"effectiveFrom\":\"2026-12-05T09:54:59Z\"}"), 422)
                .path("detail").asText()).contains("more than 5 minutes in the past");
        assertThat(table.schedule("cirrus", 10)).isEmpty();

        assertThat(put("cirrus", "{\"key\":\"cirrus/usd.csv\"}").getStatusCode()).isEqualTo(201);
        assertThat(problem(put("cirrus", "{\"key\":\"cirrus/eur.csv\",\"effectiveFrom\":\"2026-12-07T00:00:00Z\"}"), 422)
                .path("detail").asText()).contains("one carrier, one currency");
        assertThat(table.schedule("cirrus", 10)).hasSize(1);
    }

    @Test
    void unknownCarriersAreNotFoundAndMalformedRequestsAreBadRequestsWritingNothing() throws Exception {
        upload("dover/a.csv", HEADER + "44,0.01,0,USD,60/60,2026-01-01\n");
        assertThat(problem(put("zephyr", "{\"key\":\"dover/a.csv\"}"), 404).path("type").asText())
                .endsWith("/carrier-not-found");
        problem(api.handle(request("GET", "/ops/v1/carriers/zephyr/rate-decks", null, ALICE)), 404);
        List<String> bad = List.of("{\"key\":\"dover/a.csv\",\"by\":\"me\"}", "{\"effectiveFrom\":\"2026-12-06T00:00:00Z\"}",
                "{\"key\":\"dover/a.csv\",\"effectiveFrom\":\"tomorrow\"}", "{\"key\":5}", "{\"key\":", "{}");
        for (String body : bad) {
            problem(put("dover", body), 400);
        }
        assertThat(api.handle(request("POST", "/ops/v1/carriers/dover/rate-deck", "{}", ALICE)).getStatusCode())
                .isEqualTo(405);
        assertThat(api.handle(request("PUT", "/ops/v1/carriers/dover/rate-deck", "{\"key\":\"dover/a.csv\"}", null))
                .getStatusCode()).isEqualTo(401);
        assertThat(table.schedule("dover", 10)).isEmpty();
        assertThat(table.schedule("zephyr", 10)).isEmpty();
    }
}
