package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.dynamodb.DynamoDbCallAttempts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@link DynamoDbCallAttempts} against the embedded DynamoDB, through the real SDK client. */
class CallAttemptsTest {

    static final Instant MINUTE = Instant.parse("2026-12-05T10:00:00Z");

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static DynamoDbCallAttempts attempts;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        attempts = new DynamoDbCallAttempts(dynamoDb, Resources.CALL_ATTEMPTS.name());
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        aws.close();
    }

    @Test
    void fiftyConcurrentAttemptsAgainstALimitOfTenCountExactlyTen() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<Boolean>> burst = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                burst.add(() -> attempts.count("burst", MINUTE.plusSeconds(30), 10));
            }
            long admitted = 0;
            for (Future<Boolean> result : pool.invokeAll(burst)) {
                admitted += result.get() ? 1 : 0;
            }
            assertThat(admitted).isEqualTo(10);
        } finally {
            pool.shutdownNow();
        }
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(Resources.CALL_ATTEMPTS.name())
                .key(Map.of("windowKey", AttributeValue.fromS("burst#" + MINUTE.toEpochMilli() / 60_000)))
                .consistentRead(true)).item();
        assertThat(item.get("attempts").n()).as("refused attempts change nothing").isEqualTo("10");
        assertThat(Long.parseLong(item.get("expiresAt").n())).isEqualTo(MINUTE.plusSeconds(30 + 3600).getEpochSecond());
    }

    @Test
    void theNextMinuteAndAnotherUserCountAfresh() {
        assertThat(attempts.count("steady", MINUTE, 1)).isTrue();
        assertThat(attempts.count("steady", MINUTE.plusSeconds(59), 1)).isFalse();
        assertThat(attempts.count("steady", MINUTE.plusSeconds(60), 1)).isTrue();
        assertThat(attempts.count("other", MINUTE.plusSeconds(59), 1)).isTrue();
    }
}
