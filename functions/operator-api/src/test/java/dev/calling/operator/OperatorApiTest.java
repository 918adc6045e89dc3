package dev.calling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent.RequestContext;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.Resources;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.dynamodb.DynamoDbSubscriberDirectory;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.money.Money;
import dev.calling.core.operator.AccountAdjustments;
import dev.calling.core.operator.PstnBlocking;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import dev.calling.embedded.EmbeddedAws;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The operator API with its real adapters against the embedded DynamoDB, fed requests shaped as API Gateway's HTTP
 * API sends them with the IAM authorizer (payload 2.0, {@code requestContext.authorizer.iam.userArn}).
 */
class OperatorApiTest {

    static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
    static final Currency USD = Currency.getInstance("USD");
    static final String ALICE = "arn:aws:iam::111122223333:user/ops-alice";
    static final ObjectMapper JSON = new ObjectMapper();

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static DynamoDbAccounts accounts;
    static DynamoDbSubscriberDirectory subscribers;
    static OperatorApi api;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        accounts = new DynamoDbAccounts(dynamoDb, Resources.ACCOUNTS.name());
        subscribers = new DynamoDbSubscriberDirectory(dynamoDb, Resources.SUBSCRIBERS.name());
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        api = new OperatorApi(new AccountAdjustments(accounts, USD, clock), new PstnBlocking(subscribers, clock),
                RateDeckRoutesTest.noCarriers(clock));
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        aws.close();
    }

    static APIGatewayV2HTTPEvent request(String method, String path, String body, String operator, String... headers) {
        Map<String, String> all = new HashMap<>();
        if (body != null) {
            all.put("content-type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            all.put(headers[i], headers[i + 1]);
        }
        RequestContext.Authorizer authorizer = operator == null ? null : RequestContext.Authorizer.builder()
                .withIam(RequestContext.IAM.builder().withUserArn(operator).withAccountId("111122223333").build()).build();
        return APIGatewayV2HTTPEvent.builder().withVersion("2.0").withRawPath(path).withHeaders(all).withBody(body)
                .withIsBase64Encoded(false)
                .withRequestContext(RequestContext.builder().withStage("$default").withRequestId("req-1")
                        .withHttp(RequestContext.Http.builder().withMethod(method).withPath(path).build())
                        .withAuthorizer(authorizer).build())
                .build();
    }

    static JsonNode json(APIGatewayV2HTTPResponse response) throws Exception {
        return JSON.readTree(response.getBody());
    }

    @Test
    void aTopUpIsALedgerLineWithItsReasonAndOperatorAppliedOncePerIdempotencyKey() throws Exception {
        String body = "{\"amount\":\"5.00\",\"currency\":\"USD\",\"reason\":\"bank transfer 2026-12-04\"}";
        APIGatewayV2HTTPResponse first = api.handle(request("POST", "/ops/v1/accounts/ann/top-ups", body, ALICE,
                "Idempotency-Key", "ticket-1001"));
        APIGatewayV2HTTPResponse again = api.handle(request("POST", "/ops/v1/accounts/ann/top-ups", body, ALICE,
                "Idempotency-Key", "ticket-1001"));

        assertThat(first.getStatusCode()).isEqualTo(201);
        assertThat(json(first).get("balance").get("amount").asText()).isEqualTo("5.00");
        assertThat(again.getStatusCode()).isEqualTo(200);
        assertThat(again.getHeaders()).containsEntry("idempotent-replayed", "true");
        assertThat(accounts.account("ann", USD).balance()).isEqualTo(Money.of("5", USD));
        assertThat(accounts.ledger("ann")).singleElement().satisfies(line -> {
            assertThat(line.kind()).isEqualTo(LedgerEntry.Kind.TOP_UP);
            assertThat(line.note()).contains(new LedgerEntry.Note("bank transfer 2026-12-04", ALICE));
        });

        APIGatewayV2HTTPResponse other = api.handle(request("POST", "/ops/v1/accounts/ann/top-ups",
                "{\"amount\":\"6.00\",\"currency\":\"USD\",\"reason\":\"bank transfer 2026-12-04\"}", ALICE,
                "Idempotency-Key", "ticket-1001"));
        assertThat(other.getStatusCode()).isEqualTo(409);
        assertThat(other.getHeaders()).containsEntry("content-type", "application/problem+json");
        assertThat(json(other).get("type").asText()).endsWith("/operation-id-reused");
        assertThat(accounts.ledger("ann")).hasSize(1);
    }

    @Test
    void adjustmentsCreditAndDebitWithTheBodysIdAndADebitBeyondWhatIsAvailableIsRefused() throws Exception {
        accounts.topUp("ben", "card-1", Money.of("3", USD), NOW);
        APIGatewayV2HTTPResponse credit = api.handle(request("POST", "/ops/v1/accounts/ben/adjustments",
                "{\"id\":\"goodwill-1\",\"amount\":\"1.5\",\"currency\":\"USD\",\"reason\":\"dropped call\"}", ALICE));
        APIGatewayV2HTTPResponse tooMuch = api.handle(request("POST", "/ops/v1/accounts/ben/adjustments",
                "{\"id\":\"debit-1\",\"amount\":\"-4.51\",\"currency\":\"USD\",\"reason\":\"chargeback\"}", ALICE));
        APIGatewayV2HTTPResponse debit = api.handle(request("POST", "/ops/v1/accounts/ben/adjustments",
                "{\"id\":\"debit-2\",\"amount\":\"-4.50\",\"currency\":\"USD\",\"reason\":\"chargeback\"}", ALICE));

        assertThat(credit.getStatusCode()).isEqualTo(201);
        assertThat(json(credit).get("kind").asText()).isEqualTo("ADJUSTMENT");
        assertThat(tooMuch.getStatusCode()).isEqualTo(409);
        assertThat(json(tooMuch).get("type").asText()).endsWith("/insufficient-available-balance");
        assertThat(debit.getStatusCode()).isEqualTo(201);
        assertThat(json(debit).get("available").get("amount").asText()).isEqualTo("0.00");
        assertThat(accounts.ledger("ben")).extracting(LedgerEntry::reference).containsExactly("card-1", "goodwill-1", "debit-2");
    }

    @Test
    void badRequestsAreProblemsAndWriteNothing() throws Exception {
        List<APIGatewayV2HTTPEvent> bad = List.of(
                request("POST", "/ops/v1/accounts/cat/top-ups", "{\"amount\":\"5\",\"currency\":\"USD\",\"reason\":\"x\"}", ALICE),
                request("POST", "/ops/v1/accounts/cat/top-ups", "{\"amount\":5,\"currency\":\"USD\",\"reason\":\"x\",\"id\":\"a\"}", ALICE),
                request("POST", "/ops/v1/accounts/cat/top-ups", "{\"amount\":\"5.0000001\",\"currency\":\"USD\",\"reason\":\"x\",\"id\":\"a\"}", ALICE),
                request("POST", "/ops/v1/accounts/cat/top-ups", "{\"amount\":\"5\",\"currency\":\"EUR\",\"reason\":\"x\",\"id\":\"a\"}", ALICE),
                request("POST", "/ops/v1/accounts/cat/top-ups", "{\"amount\":\"5\",\"currency\":\"XXZ\",\"reason\":\"x\",\"id\":\"a\"}", ALICE),
                request("POST", "/ops/v1/accounts/cat/top-ups", "{\"amount\":\"5\",\"currency\":\"USD\",\"id\":\"a\"}", ALICE),
                request("POST", "/ops/v1/accounts/cat/top-ups", "{\"amount\":\"-5\",\"currency\":\"USD\",\"reason\":\"x\",\"id\":\"a\"}", ALICE),
                request("POST", "/ops/v1/accounts/cat/top-ups", "{\"amount\":\"5\",\"currency\":\"USD\",\"reason\":\"x\",\"id\":\"a\",\"by\":\"me\"}", ALICE),
                request("POST", "/ops/v1/accounts/cat/top-ups", "{\"amount\":\"5\",\"currency\":\"USD\",\"reason\":\"x\",\"id\":\"a\"}", ALICE,
                        "Idempotency-Key", "b"),
                request("POST", "/ops/v1/accounts/cat/top-ups", "{\"amount\":", ALICE, "Idempotency-Key", "c"),
                request("POST", "/ops/v1/accounts/cat/adjustments", "{\"amount\":\"0\",\"currency\":\"USD\",\"reason\":\"x\",\"id\":\"a\"}", ALICE),
                request("PUT", "/ops/v1/users/cat/pstn-block", "{}", ALICE),
                request("PUT", "/ops/v1/users/cat/pstn-block", "{\"reason\":\"x\",\"extra\":1}", ALICE));
        for (APIGatewayV2HTTPEvent event : bad) {
            APIGatewayV2HTTPResponse response = api.handle(event);
            assertThat(response.getStatusCode()).as(event.getBody()).isEqualTo(400);
            assertThat(response.getHeaders()).containsEntry("content-type", "application/problem+json");
        }
        assertThat(api.handle(request("POST", "/ops/v1/accounts/cat/top-ups",
                "{\"amount\":\"5\",\"currency\":\"USD\",\"reason\":\"x\",\"id\":\"a\"}", null)).getStatusCode())
                .as("no IAM identity").isEqualTo(401);
        assertThat(api.handle(request("GET", "/ops/v1/accounts/cat/top-ups", null, ALICE)).getStatusCode()).isEqualTo(405);
        assertThat(api.handle(request("GET", "/ops/v1/nothing", null, ALICE)).getStatusCode()).isEqualTo(404);

        assertThat(accounts.ledger("cat")).isEmpty();
        assertThat(subscribers.pstnBlock("cat")).isEmpty();
    }

    @Test
    void aPstnBlockIsPutReadAndLiftedAndRoutingSeesIt() throws Exception {
        subscribers.put(new Subscriber("dan", Optional.of(PhoneNumber.parse("+447400123456")),
                RoutingPlan.withPstn(List.of())));

        APIGatewayV2HTTPResponse put = api.handle(request("PUT", "/ops/v1/users/dan/pstn-block",
                "{\"reason\":\"fraud review #7\"}", ALICE));
        assertThat(put.getStatusCode()).isEqualTo(200);
        assertThat(json(put).get("block").get("by").asText()).isEqualTo(ALICE);
        assertThat(subscribers.subscriber("dan").plan().pstnBlocked()).isTrue();
        assertThat(json(api.handle(request("GET", "/ops/v1/users/dan/pstn-block", null, ALICE))).get("block")
                .get("reason").asText()).isEqualTo("fraud review #7");

        assertThat(api.handle(request("DELETE", "/ops/v1/users/dan/pstn-block", null, ALICE)).getStatusCode())
                .isEqualTo(204);
        assertThat(subscribers.subscriber("dan").plan().pstnBlocked()).isFalse();
        assertThat(json(api.handle(request("GET", "/ops/v1/users/dan/pstn-block", null, ALICE))).has("block")).isFalse();
    }
}
