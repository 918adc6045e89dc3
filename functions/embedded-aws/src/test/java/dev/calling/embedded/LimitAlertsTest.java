package dev.calling.embedded;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.calling.adapters.AwsClients;
import dev.calling.adapters.abuse.EventBridgeLimitAlerts;
import dev.calling.core.abuse.LimitAlerts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;

/**
 * {@link EventBridgeLimitAlerts} through the real EventBridge SDK client against a stub of the documented
 * PutEvents API (AWS JSON 1.1: {@code POST /}, {@code X-Amz-Target: AWSEvents.PutEvents}, {@code Entries} with
 * {@code Source}, {@code DetailType}, {@code Detail} as a JSON string, {@code Time}), and its EMF metric line.
 */
class LimitAlertsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant AT = Instant.parse("2026-12-05T12:30:00Z");

    WireMockServer eventBridge;
    EventBridgeClient client;
    ByteArrayOutputStream stdout;
    EventBridgeLimitAlerts alerts;

    @BeforeEach
    void start() {
        eventBridge = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        eventBridge.start();
        client = new AwsClients("us-east-1", Optional.empty(), Optional.empty())
                .eventBridge(Optional.of(URI.create(eventBridge.baseUrl())));
        stdout = new ByteArrayOutputStream();
        alerts = new EventBridgeLimitAlerts(() -> client, new PrintStream(stdout, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        client.close();
        eventBridge.stop();
    }

    static LimitAlerts.Alert alert() {
        return new LimitAlerts.Alert(LimitAlerts.Limit.DAILY_SPEND, "ann", "call-7f3a", "spent and held today 50.00 USD",
                AT);
    }

    @Test
    void anAlertIsOnePutEventsEntryOnTheDefaultBusAndOneMetricLine() throws Exception {
        eventBridge.stubFor(post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("AWSEvents.PutEvents"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/x-amz-json-1.1")
                        .withBody("{\"FailedEntryCount\":0,\"Entries\":[{\"EventId\":\"11710aed-b79e-4468-a20b-bb3c0c3b4860\"}]}")));

        alerts.raise(alert());

        eventBridge.verify(1, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("AWSEvents.PutEvents"))
                .withHeader("Content-Type", equalTo("application/x-amz-json-1.1")));
        JsonNode body = JSON.readTree(eventBridge.getAllServeEvents().get(0).getRequest().getBodyAsString());
        JsonNode entry = body.path("Entries").get(0);
        assertThat(body.path("Entries")).hasSize(1);
        assertThat(entry.path("Source").asText()).isEqualTo("calling.abuse");
        assertThat(entry.path("DetailType").asText()).isEqualTo("Abuse limit hit");
        assertThat(entry.has("EventBusName")).as("the default bus").isFalse();
        assertThat(entry.path("Time").asLong()).isEqualTo(AT.getEpochSecond());
        JsonNode detail = JSON.readTree(entry.path("Detail").asText());
        assertThat(detail.path("limit").asText()).isEqualTo("DAILY_SPEND");
        assertThat(detail.path("userId").asText()).isEqualTo("ann");
        assertThat(detail.path("callId").asText()).isEqualTo("call-7f3a");

        JsonNode metric = JSON.readTree(stdout.toString(StandardCharsets.UTF_8).strip());
        assertThat(metric.at("/_aws/CloudWatchMetrics/0/Namespace").asText()).isEqualTo("Calling");
        assertThat(metric.at("/_aws/CloudWatchMetrics/0/Dimensions/0/0").asText()).isEqualTo("Limit");
        assertThat(metric.at("/_aws/CloudWatchMetrics/0/Dimensions/1")).as("and over all limits, the one alarmed").isEmpty();
        assertThat(metric.at("/_aws/CloudWatchMetrics/0/Metrics/0/Name").asText()).isEqualTo("LimitHits");
        assertThat(metric.at("/_aws/Timestamp").asLong()).isEqualTo(AT.toEpochMilli());
        assertThat(metric.path("Limit").asText()).isEqualTo("DAILY_SPEND");
        assertThat(metric.path("LimitHits").asInt()).isEqualTo(1);
        assertThat(metric.toString()).as("the metric names no user").doesNotContain("ann");
    }

    @Test
    void anEventBridgeOutageOrARefusedEntryIsLoggedAndNeverThrown() {
        eventBridge.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"__type\":\"InternalException\",\"message\":\"down\"}")));
        alerts.raise(alert());

        eventBridge.resetAll();
        eventBridge.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"FailedEntryCount\":1,\"Entries\":[{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":\"x\"}]}")));
        alerts.raise(alert());

        assertThat(stdout.toString(StandardCharsets.UTF_8).lines()).as("the metric still counts both").hasSize(2);
    }
}
