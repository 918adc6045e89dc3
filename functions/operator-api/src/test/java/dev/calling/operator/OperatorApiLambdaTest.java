package dev.calling.operator;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.dynamodb.DynamoDbSubscriberDirectory;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.embedded.EmbeddedAwsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The packaged OperatorApi Lambda, invoked through Quarkus's mock Lambda event server (port 8093) with the IAM-authorised
 * samples from {@code events-samples/operator-api/}, against dynalite.
 */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedAwsTestResource.class, restrictToAnnotatedClass = true)
class OperatorApiLambdaTest {

    static final String OPERATOR = "arn:aws:iam::111122223333:user/ops-alice";

    static String sample(String name) throws Exception {
        return Files.readString(Path.of(System.getProperty("events.samples.dir"), "operator-api", name));
    }

    static String invoke(String event) {
        return given().contentType("application/json").body(event).when().post("http://localhost:8093/_lambda_")
                .then().statusCode(200).extract().asString();
    }

    @Test
    void theTopUpSampleIsRecordedOnceWithItsReasonAndTheSigningPrincipal() throws Exception {
        DynamoDbClient dynamoDb = EmbeddedAwsTestResource.current().clients().dynamoDb();
        String first = invoke(sample("top-up.json"));
        String again = invoke(sample("top-up.json"));

        assertThat(first).contains("\"statusCode\":201");
        assertThat(again).contains("\"statusCode\":200").contains("Idempotent-Replayed".toLowerCase());
        assertThat(new DynamoDbAccounts(dynamoDb, Resources.ACCOUNTS.name()).ledger("sample-alice"))
                .extracting(LedgerEntry::note).containsExactly(java.util.Optional.of(
                        new LedgerEntry.Note("Bank transfer ref 88", OPERATOR)));
    }

    @Test
    void thePstnBlockSampleBlocksTheUser() throws Exception {
        DynamoDbClient dynamoDb = EmbeddedAwsTestResource.current().clients().dynamoDb();
        assertThat(invoke(sample("pstn-block.json"))).contains("\"statusCode\":200");
        assertThat(new DynamoDbSubscriberDirectory(dynamoDb, Resources.SUBSCRIBERS.name()).pstnBlock("sample-alice"))
                .get().satisfies(block -> assertThat(block.by()).isEqualTo(OPERATOR));
    }

    @Test
    void theRateDeckSampleNamesACarrierThisDeploymentDoesNotHaveAndWritesNothing() throws Exception {
        DynamoDbClient dynamoDb = EmbeddedAwsTestResource.current().clients().dynamoDb();
        String answer = invoke(sample("rate-deck.json"));

        assertThat(answer).contains("\"statusCode\":404").contains("carrier-not-found").contains("calling.carrier-ids");
        assertThat(new dev.calling.adapters.routing.DynamoDbRateDecks(dynamoDb, Resources.RATE_DECKS.name())
                .schedule("atlas", 10)).isEmpty();
    }
}
