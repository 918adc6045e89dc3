package dev.calling.sessions;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.embedded.EmbeddedAwsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The packaged Lambda, invoked through Quarkus's mock Lambda event server with the sample SQS
 * event from {@code events-samples/}, writing to dynalite.
 */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedAwsTestResource.class, restrictToAnnotatedClass = true)
class SessionServiceLambdaTest {

    static String sample(String name) throws Exception {
        return Files.readString(Path.of(System.getProperty("events.samples.dir"), "session-service", name));
    }

    @Test
    void sampleBatchStoresTheConnectionAndReportsOnlyTheMalformedRecord() throws Exception {
        List<String> failed = given().contentType("application/json").body(sample("connection-events.json"))
                .when().post()
                .then().statusCode(200)
                .extract().jsonPath().getList("batchItemFailures.itemIdentifier");

        assertThat(failed).containsExactly("6f1c2a1e-0d7e-4a43-9a7a-1f0c1f7b9a03");
        try (DynamoDbClient dynamoDb = EmbeddedAwsTestResource.current().clients().dynamoDb()) {
            var store = new DynamoDbSessionStore(dynamoDb, Resources.SESSIONS.name());
            var bob = store.sessionsOf("sample-bob");
            assertThat(bob.liveConnectionIds(Instant.parse("2099-01-01T10:01:30Z"))).containsExactly("sample-bob-c1");
            assertThat(bob.liveConnectionIds(Instant.parse("2099-01-01T10:02:01Z"))).as("after TTL").isEmpty();
        }
    }
}
