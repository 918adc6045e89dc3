package dev.calling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.calling.adapters.http.ApiProblem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** docs/operator-openapi.yaml and the OperatorApi in step: every route documented, each with examples. */
class OperatorOpenApiDocumentTest {

    static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "patch");
    static JsonNode document;

    @BeforeAll
    static void load() throws Exception {
        document = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(
                Path.of("../../docs/operator-openapi.yaml").toAbsolutePath().normalize()));
    }

    record Operation(String route, JsonNode node) {}

    static List<Operation> operations() {
        List<Operation> operations = new ArrayList<>();
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(field -> {
            if (HTTP_METHODS.contains(field.getKey())) {
                operations.add(new Operation(field.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(), field.getValue()));
            }
        }));
        return operations;
    }

    @Test
    void documentsExactlyTheRoutesTheApiServesSignedWithSigV4() {
        assertThat(operations()).extracting(Operation::route).containsExactlyInAnyOrderElementsOf(OperatorApi.ROUTES);
        assertThat(document.path("security").get(0).has("sigv4")).isTrue();
    }

    @Test
    void everyRequestBodyAndEveryNon204ResponseHasAnExample() {
        for (Operation operation : operations()) {
            JsonNode body = operation.node().path("requestBody");
            if (!body.isMissingNode()) {
                assertThat(body.findValues("examples")).as(operation.route() + " request").isNotEmpty();
            }
            operation.node().path("responses").fields().forEachRemaining(response -> {
                if (!response.getKey().equals("204")) {
                    String ref = response.getValue().path("$ref").asText();
                    JsonNode resolved = ref.isEmpty() ? response.getValue()
                            : document.at(ref.substring(1));
                    assertThat(resolved.findValues("examples")).as(operation.route() + " " + response.getKey()).isNotEmpty();
                }
            });
        }
    }

    @Test
    void theOperatorOnlyProblemsAreDocumentedWithTheirStatusAndTitle() {
        String text = document.toString();
        for (var refusal : ApiProblem.OPERATOR_ONLY) {
            ApiProblem problem = ApiProblem.of(refusal, "d", "/ops");
            assertThat(text).contains(problem.type()).contains(problem.title());
            assertThat(problem.status()).isIn(404, 409, 422);
        }
    }
}
