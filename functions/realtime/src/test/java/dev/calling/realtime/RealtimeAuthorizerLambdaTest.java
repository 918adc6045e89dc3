package dev.calling.realtime;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packaged RealtimeAuthorizer, invoked through Quarkus's mock Lambda event server (port 8086)
 * with {@code events-samples/realtime/authorizer-request.json}, its keys fetched from
 * {@link JwksTestResource}. A refusal is the invocation failing with the message
 * {@code Unauthorized} (the mock server answers 500 with the Lambda error document).
 */
@QuarkusTest
@TestProfile(AuthorizerProfile.class)
@QuarkusTestResource(value = JwksTestResource.class, restrictToAnnotatedClass = true)
class RealtimeAuthorizerLambdaTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/$connect";

    static ObjectNode sample() throws Exception {
        return (ObjectNode) JSON.readTree(Files.readString(
                Path.of(System.getProperty("events.samples.dir"), "realtime", "authorizer-request.json")));
    }

    static String withToken(String token) throws Exception {
        ObjectNode event = sample();
        ObjectNode query = (ObjectNode) event.get("queryStringParameters");
        ObjectNode multi = (ObjectNode) event.get("multiValueQueryStringParameters");
        if (token == null) {
            query.remove("token");
            multi.remove("token");
        } else {
            query.put("token", token);
            multi.putArray("token").add(token);
        }
        return JSON.writeValueAsString(event);
    }

    static JsonPath invoke(String event, int status) {
        return given().contentType("application/json").body(event)
                .when().post()
                .then().statusCode(status)
                .extract().jsonPath();
    }

    @Test
    void aValidTokenAllowsTheConnectionAndPassesTheUserToItsRoutes() throws Exception {
        String token = JwksTestResource.issuer().mint("sample-alice", Duration.ofMinutes(5));

        JsonPath allowed = invoke(withToken(token), 200);

        assertThat(allowed.getString("principalId")).isEqualTo("sample-alice");
        assertThat(allowed.getString("policyDocument.Version")).isEqualTo("2012-10-17");
        assertThat(allowed.getString("policyDocument.Statement[0].Effect")).isEqualTo("Allow");
        assertThat(allowed.getString("policyDocument.Statement[0].Action")).isEqualTo("execute-api:Invoke");
        assertThat(allowed.getList("policyDocument.Statement[0].Resource")).containsExactly(METHOD_ARN);
        assertThat(allowed.getMap("context")).containsExactly(Map.entry("userId", "sample-alice"));
        assertThat(JwksTestResource.fetches()).as("keys fetched by URL").isPositive();
    }

    @Test
    void anExpiredTokenIsUnauthorized() throws Exception {
        String expired = JwksTestResource.issuer().mint("sample-alice",
                Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1));

        assertThat(invoke(withToken(expired), 500).getString("errorMessage")).isEqualTo("Unauthorized");
    }

    @Test
    void aMissingTokenIsUnauthorized() throws Exception {
        assertThat(invoke(withToken(null), 500).getString("errorMessage")).isEqualTo("Unauthorized");
    }

    @Test
    void theSamplesOwnTokenIsSignedByAKeyNobodyServesAndIsUnauthorized() throws Exception {
        assertThat(invoke(JSON.writeValueAsString(sample()), 500).getString("errorMessage")).isEqualTo("Unauthorized");
    }
}
