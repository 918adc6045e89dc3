package dev.calling.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.calling.adapters.http.ApiProblem;
import dev.calling.adapters.http.ApiProblem.Kind;
import dev.calling.core.app.Refusal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/openapi.yaml and the code in step: the document lists exactly the routes of
 * {@link CallApi#ROUTES} and every problem type {@link ApiProblem} can produce, with its status and
 * title, under responses of that status. Adding a route or a problem kind without documenting it
 * fails here.
 */
class OpenApiDocumentTest {

    static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    static final String PROBLEM_JSON = "application/problem+json";

    static JsonNode document;

    @BeforeAll
    static void load() throws Exception {
        document = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(documentPath()));
    }

    /** docs/openapi.yaml at the repository root: beside events-samples/ under Maven, else two levels up. */
    static Path documentPath() {
        String samples = System.getProperty("events.samples.dir");
        Path root = samples != null ? Path.of(samples).getParent() : Path.of("../..");
        return root.resolve("docs").resolve("openapi.yaml").toAbsolutePath().normalize();
    }

    /** Every problem the API can answer, by type URI. */
    static Map<String, ApiProblem> problemsTheCodeCanProduce() {
        return Stream.concat(Arrays.stream(Kind.values()).map(kind -> ApiProblem.of(kind, "detail", "/v1/x")),
                        Arrays.stream(Refusal.values()).filter(refusal -> !ApiProblem.OPERATOR_ONLY.contains(refusal)).map(refusal -> ApiProblem.of(refusal, "detail", "/v1/x")))
                .collect(Collectors.toMap(ApiProblem::type, Function.identity()));
    }

    record Operation(String method, String path, JsonNode node) {
        String route() {
            return method.toUpperCase(Locale.ROOT) + " " + path;
        }
    }

    static List<Operation> operations() {
        List<Operation> operations = new ArrayList<>();
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(field -> {
            if (HTTP_METHODS.contains(field.getKey())) {
                operations.add(new Operation(field.getKey(), path.getKey(), field.getValue()));
            }
        }));
        return operations;
    }

    /** A node with its {@code $ref}s (local ones, as the document uses) followed. */
    static JsonNode resolve(JsonNode node) {
        while (node.has("$ref")) {
            String ref = node.get("$ref").asText();
            assertThat(ref).as("only local references").startsWith("#/");
            node = document.at(JsonPointer.compile(ref.substring(1)));
            assertThat(node.isMissingNode()).as(ref + " resolves").isFalse();
        }
        return node;
    }

    /** "where → status → response" for every operation, and for requests that match none. */
    static Map<String, Map<String, JsonNode>> allResponses() {
        Map<String, Map<String, JsonNode>> all = new LinkedHashMap<>();
        for (Operation operation : operations()) {
            all.put(operation.route(), responsesOf(operation.node().path("responses")));
        }
        all.put("x-unmatched-requests", responsesOf(document.path("x-unmatched-requests").path("responses")));
        return all;
    }

    static Map<String, JsonNode> responsesOf(JsonNode responses) {
        Map<String, JsonNode> byStatus = new LinkedHashMap<>();
        responses.fields().forEachRemaining(entry -> byStatus.put(entry.getKey(), resolve(entry.getValue())));
        return byStatus;
    }

    /** The problem examples a response shows under application/problem+json. */
    static List<JsonNode> problemExamples(JsonNode response) {
        List<JsonNode> examples = new ArrayList<>();
        response.path("content").path(PROBLEM_JSON).path("examples")
                .forEach(example -> examples.add(resolve(example).path("value")));
        return examples;
    }

    @Test
    void documentsExactlyTheRoutesTheApiServes() {
        assertThat(operations()).extracting(Operation::route).containsExactlyInAnyOrderElementsOf(CallApi.ROUTES);
    }

    @Test
    void isOpenApi31WithBothServersAndBearerJwtSecurity() {
        assertThat(document.path("openapi").asText()).startsWith("3.1.");
        assertThat(document.path("servers").findValuesAsText("url")).containsExactly(
                "https://{apiId}.execute-api.{region}.amazonaws.com", "http://localhost:8080");
        JsonNode scheme = document.path("components").path("securitySchemes").path("bearerJwt");
        assertThat(scheme.path("type").asText()).isEqualTo("http");
        assertThat(scheme.path("scheme").asText()).isEqualTo("bearer");
        assertThat(document.path("security").get(0).has("bearerJwt")).isTrue();
        assertThat(operations()).allSatisfy(operation -> assertThat(operation.node().has("security"))
                .as(operation.route() + " does not override the bearer JWT").isFalse());
    }

    @Test
    void everyOperationHasItsOwnOperationId() {
        List<String> ids = operations().stream().map(o -> o.node().path("operationId").asText()).toList();
        assertThat(ids).doesNotContain("").doesNotHaveDuplicates().hasSameSizeAs(CallApi.ROUTES);
    }

    @Test
    void theProblemSchemaListsEveryProblemTypeTheCodeCanProduceAndNoOther() {
        JsonNode types = document.at("/components/schemas/Problem/properties/type/enum");
        Set<String> documented = new TreeSet<>();
        types.forEach(type -> documented.add(type.asText()));

        assertThat(documented).containsExactlyInAnyOrderElementsOf(problemsTheCodeCanProduce().keySet());
    }

    @Test
    void everyProblemTypeIsShownUnderAResponseOfItsStatusWithItsTitle() {
        Map<String, ApiProblem> problems = problemsTheCodeCanProduce();
        Set<String> shown = new HashSet<>();
        allResponses().forEach((where, responses) -> responses.forEach((status, response) -> {
            for (JsonNode example : problemExamples(response)) {
                String type = example.path("type").asText();
                assertThat(problems).as(where + " " + status + " shows a problem type the code has").containsKey(type);
                ApiProblem problem = problems.get(type);
                assertThat(status).as(where + ": " + type + " under its status").isEqualTo(Integer.toString(problem.status()));
                assertThat(example.path("status").asInt()).as(type + " example status").isEqualTo(problem.status());
                assertThat(example.path("title").asText()).as(type + " example title").isEqualTo(problem.title());
                assertThat(example.path("detail").asText()).as(type + " example detail").isNotBlank();
                assertThat(example.path("instance").asText()).as(type + " example instance").startsWith("/v1/");
                shown.add(type);
            }
        }));

        assertThat(shown).as("problem types shown in some response").containsExactlyInAnyOrderElementsOf(problems.keySet());
    }

    @Test
    void everyOperationDeclaresUnauthorizedInternalErrorAndServiceUnavailable() {
        for (Operation operation : operations()) {
            Map<String, JsonNode> responses = responsesOf(operation.node().path("responses"));
            assertThat(responses).as(operation.route()).containsKeys("401", "500", "503");
            assertThat(problemExamples(responses.get("401"))).as(operation.route() + " 401")
                    .extracting(example -> example.path("type").asText())
                    .contains("https://calling.dev/problems/unauthorized");
            assertThat(responses.get("401").path("content").has("application/json"))
                    .as(operation.route() + ": API Gateway's own 401 body").isTrue();
            assertThat(responses.get("503").path("headers").has("Retry-After")).as(operation.route()).isTrue();
        }
    }

    @Test
    void everyOperationWithABodyDeclaresTheBodyProblems() {
        for (Operation operation : operations()) {
            if (operation.node().has("requestBody")) {
                assertThat(operation.node().path("responses").fieldNames()).toIterable().as(operation.route())
                        .contains("400", "413", "415");
            }
        }
    }

    @Test
    void placingACallRequiresAnIdempotencyKeyAndSaysWhenItWasReplayed() {
        JsonNode place = operations().stream().filter(o -> o.route().equals("POST /v1/calls")).findFirst()
                .orElseThrow().node();
        List<JsonNode> parameters = new ArrayList<>();
        place.path("parameters").forEach(parameter -> parameters.add(resolve(parameter)));
        assertThat(parameters).anySatisfy(parameter -> {
            assertThat(parameter.path("name").asText()).isEqualTo("Idempotency-Key");
            assertThat(parameter.path("in").asText()).isEqualTo("header");
            assertThat(parameter.path("required").asBoolean()).isTrue();
        });
        JsonNode accepted = resolve(place.path("responses").path("202"));
        assertThat(accepted.path("headers").has("Location")).isTrue();
        assertThat(accepted.path("headers").has("Idempotent-Replayed")).isTrue();
        assertThat(place.path("responses").has("422")).isTrue();
    }

    @Test
    void everyReferenceResolves() {
        List<String> refs = new ArrayList<>();
        collectRefs(document, refs);
        assertThat(refs).isNotEmpty().allSatisfy(ref -> resolve(JsonNodeFactory.instance.objectNode().put("$ref", ref)));
    }

    static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject() && node.has("$ref")) {
            refs.add(node.get("$ref").asText());
        }
        node.forEach(child -> collectRefs(child, refs));
    }
}
