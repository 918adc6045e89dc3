package dev.calling.embedded;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stub of AWS Secrets Manager's {@code GetSecretValue} (JSON 1.1 protocol, documented at
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html) on a loopback
 * port, for the real SDK client in tests and the local run: it serves the current version of the
 * secrets {@link #put} into it, by name or ARN, and answers {@code ResourceNotFoundException} for
 * others. Putting a secret again is a rotation: a new {@code VersionId} becomes {@code AWSCURRENT}.
 */
public final class SecretsManagerStub implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRANSFORMER = "get-secret-value";

    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final AtomicInteger versions = new AtomicInteger();
    private final AtomicInteger reads = new AtomicInteger();
    private final WireMockServer server;

    private SecretsManagerStub() {
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(new GetSecretValue()));
        server.start();
        server.stubFor(post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
                .willReturn(aResponse().withTransformers(TRANSFORMER)));
    }

    public static SecretsManagerStub start() {
        return new SecretsManagerStub();
    }

    /** Where the SDK client's endpoint override points. */
    public URI endpoint() {
        return URI.create(server.baseUrl());
    }

    /** Stores (or rotates) secret {@code secretId} (a name or an ARN, matched exactly) with a string value. */
    public SecretsManagerStub put(String secretId, String value) {
        secrets.put(secretId, value);
        versions.incrementAndGet();
        return this;
    }

    /** How many GetSecretValue requests were served (found or not). */
    public int reads() {
        return reads.get();
    }

    @Override
    public void close() {
        server.stop();
    }

    private final class GetSecretValue implements ResponseDefinitionTransformerV2 {
        @Override
        public ResponseDefinition transform(ServeEvent event) {
            reads.incrementAndGet();
            String secretId;
            try {
                secretId = JSON.readTree(event.getRequest().getBodyAsString()).path("SecretId").asText("");
            } catch (Exception e) {
                return error(400, "InvalidRequestException", "the request body is not JSON");
            }
            String value = secrets.get(secretId);
            if (value == null) {
                return error(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
            }
            ObjectNode reply = JSON.createObjectNode();
            reply.put("ARN", secretId.startsWith("arn:") ? secretId
                    : "arn:aws:secretsmanager:us-east-1:000000000000:secret:" + secretId + "-AbCdEf");
            reply.put("Name", secretId);
            reply.put("SecretString", value);
            reply.put("VersionId", "v" + versions.get() + "-" + Integer.toHexString(value.hashCode()));
            reply.putArray("VersionStages").add("AWSCURRENT");
            reply.put("CreatedDate", System.currentTimeMillis() / 1000.0);
            return json(200, reply);
        }

        private ResponseDefinition error(int status, String type, String message) {
            ObjectNode body = JSON.createObjectNode();
            body.put("__type", type);
            body.put("message", message);
            return json(status, body);
        }

        private ResponseDefinition json(int status, JsonNode body) {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(status)
                    .withHeader("Content-Type", "application/x-amz-json-1.1").withBody(body.toString()).build();
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return TRANSFORMER;
        }
    }
}
