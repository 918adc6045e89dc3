package dev.calling.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.Resources;
import dev.calling.embedded.EmbeddedAws;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The fault injectors do what the suite claims, against the real emulators and SDK. */
class InjectorsTest {

    static EmbeddedAws aws;
    static DynamoDbClient clean;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        clean = aws.clients().dynamoDb();
    }

    @AfterAll
    static void stop() {
        clean.close();
        aws.close();
    }

    static Map<String, AttributeValue> call(String id) {
        return Map.of("callId", AttributeValue.fromS(id), "version", AttributeValue.fromN("1"),
                "state", AttributeValue.fromS("RINGING"));
    }

    @Test
    void aFunctionThatDiesAfterTheWriteLeavesTheWriteDone() {
        FaultCounts counts = new FaultCounts();
        DynamoDbFaults faults = new DynamoDbFaults(1, counts);
        faults.rates(new DynamoDbFaults.Rates(0, 0, 1, 0));
        try (DynamoDbClient dynamoDb = aws.clients().withInterceptors(List.of(faults), List.of()).dynamoDb()) {
            assertThatThrownBy(() -> dynamoDb.putItem(r -> r.tableName(Resources.CALLS.name()).item(call("died-1"))))
                    .isInstanceOf(DynamoDbFaults.HandlerDied.class);
        }
        assertThat(clean.getItem(r -> r.tableName(Resources.CALLS.name()).consistentRead(true)
                .key(Map.of("callId", AttributeValue.fromS("died-1")))).hasItem()).isTrue();
        assertThat(counts.get("function died after writing a call record")).isEqualTo(1);
    }

    @Test
    void aShortRunStillHasACallWriteDeathButALongRunKeepsItsRate() {
        FaultCounts counts = new FaultCounts();
        DynamoDbFaults faults = new DynamoDbFaults(3, counts);
        faults.rates(new DynamoDbFaults.Rates(0, 0, 1e-12, 0)); // chance alone would never kill
        int first = DynamoDbFaults.FIRST_CALL_WRITE_DEATH_AT_LATEST;
        try (DynamoDbClient dynamoDb = aws.clients().withInterceptors(List.of(faults), List.of()).dynamoDb()) {
            for (int i = 1; i <= 3 * first; i++) {
                String id = "short-run-" + i;
                if (i == first) {
                    assertThatThrownBy(() -> dynamoDb.putItem(r -> r.tableName(Resources.CALLS.name()).item(call(id))))
                            .isInstanceOf(DynamoDbFaults.HandlerDied.class);
                } else {
                    dynamoDb.putItem(r -> r.tableName(Resources.CALLS.name()).item(call(id)));
                }
            }
        }
        assertThat(counts.get("function died after writing a call record")).isEqualTo(1);
    }

    @Test
    void throttlingIsRetriedByTheSdkOrReachesTheCaller() {
        FaultCounts counts = new FaultCounts();
        DynamoDbFaults faults = new DynamoDbFaults(2, counts);
        RequestCounter counter = new RequestCounter();
        try (DynamoDbClient dynamoDb = aws.clients().withInterceptors(List.of(counter, faults), List.of()).dynamoDb()) {
            faults.rates(new DynamoDbFaults.Rates(1, 0, 0, 0));
            dynamoDb.putItem(r -> r.tableName(Resources.CALLS.name()).item(call("throttled-1")));
            RequestCounter.Snapshot retried = counter.snapshot();
            assertThat(retried.calls()).containsEntry("DynamoDb PutItem calls", 1L);
            assertThat(retried.attempts().get("DynamoDb PutItem calls")).isBetween(2L, 3L);
            assertThat(retried.capacityUnits().get("DynamoDb PutItem calls")).isEqualTo(1.0);

            faults.rates(new DynamoDbFaults.Rates(0, 1, 0, 0));
            assertThatThrownBy(() -> dynamoDb.putItem(r -> r.tableName(Resources.CALLS.name()).item(call("throttled-2"))))
                    .isInstanceOf(ProvisionedThroughputExceededException.class);
            assertThat(clean.getItem(r -> r.tableName(Resources.CALLS.name()).consistentRead(true)
                    .key(Map.of("callId", AttributeValue.fromS("throttled-2")))).hasItem()).isFalse();
        }
    }

    @Test
    void theProxyCutsSqsOffAndBringsItBackWithItsMessages() throws Exception {
        String queue = aws.queueUrl(Resources.CALL_TIMERS);
        try (TcpProxy proxy = new TcpProxy(aws.sqsEndpoint().getPort());
                SqsClient sqs = aws.clients().withEndpoints(aws.dynamoDbEndpoint(), proxy.endpoint()).sqs()) {
            sqs.sendMessage(r -> r.queueUrl(queue).messageBody("before the outage"));
            CompletableFuture<Void> outage = CompletableFuture.runAsync(() -> proxy.outage(Duration.ofSeconds(2)));
            Thread.sleep(300);
            assertThatThrownBy(() -> sqs.sendMessage(r -> r.queueUrl(queue).messageBody("during the outage")))
                    .isInstanceOf(SdkClientException.class);
            outage.join();
            assertThat(sqs.receiveMessage(r -> r.queueUrl(queue).waitTimeSeconds(2)).messages())
                    .extracting(m -> m.body()).containsExactly("before the outage");
        }
    }
}
