package dev.calling.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.core.money.Money;
import dev.calling.embedded.EmbeddedAws;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The verdict is not vacuous: what the suite must never see, planted straight into the tables and
 * queues, is counted by the {@link Audit}.
 */
class AuditTest {

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static SqsClient sqs;
    static DynamoDbAccounts accounts;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        accounts = new DynamoDbAccounts(dynamoDb, Resources.ACCOUNTS.name());
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        sqs.close();
        aws.close();
    }

    static Audit audit(List<Traffic.Placed> placed, String user) {
        Audit audit = new Audit(dynamoDb, sqs, aws);
        audit.calls(placed, List.of(user), LocalDate.now(ZoneOffset.UTC));
        return audit;
    }

    @Test
    void aSettlementWrittenTwiceIsADoubleCharge() {
        Instant now = Instant.now();
        accounts.topUp("twice", "card-1", Money.of("10.00", "USD"), now);
        accounts.reserve("twice", "call-twice", Money.of("1.00", "USD"), Money.of("0.01", "USD"), now);
        accounts.settle("twice", "call-twice", Money.of("0.50", "USD"), now);
        assertThat(audit(List.of(), "twice").doubleChargeTotal()).as("an honest ledger").isZero();

        // The settlement's ledger line again, as a second charge would write it.
        Map<String, AttributeValue> settlement = dynamoDb.getItem(r -> r.tableName(Resources.ACCOUNTS.name())
                .consistentRead(true).key(Map.of("userId", AttributeValue.fromS("twice"),
                        "entryKey", AttributeValue.fromS("ledger#" + String.format("%019d", 3))))).item();
        assertThat(settlement.get("kind").s()).isEqualTo("SETTLEMENT");
        Map<String, AttributeValue> again = new HashMap<>(settlement);
        again.put("entryKey", AttributeValue.fromS("ledger#" + String.format("%019d", 5)));
        again.put("sequence", AttributeValue.fromN("5"));
        dynamoDb.putItem(r -> r.tableName(Resources.ACCOUNTS.name()).item(again));

        Audit audit = audit(List.of(), "twice");
        assertThat(audit.doubleCharges).containsEntry("calls settled more than once", 1L);
        assertThat(audit.doubleChargeTotal()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void moneyLeftReservedIsCounted() {
        Instant now = Instant.now();
        accounts.topUp("reserved", "card-1", Money.of("10.00", "USD"), now);
        accounts.reserve("reserved", "call-never-settled", Money.of("1.00", "USD"), Money.of("0.01", "USD"), now);

        assertThat(audit(List.of(), "reserved").doubleCharges).containsEntry("money still reserved at the end", 1L);
    }

    @Test
    void aPlacedCallWithoutARecordIsLost() {
        Traffic.Placed placed = new Traffic.Placed("call-never-stored", Scenario.VOIP_CALLER_HANGS_UP, "nobody", 0,
                Instant.now());

        Audit audit = audit(List.of(placed), "nobody");
        assertThat(audit.lost).containsEntry("placed calls with no record", 1L);
        assertThat(audit.lostTotal()).isEqualTo(1);
    }

    @Test
    void aRealMessageInADeadLetterQueueIsLostAndPoisonIsCountedApart() {
        String dlq = aws.deadLetterQueueUrl(Resources.CALL_STATE_CHANGES);
        String real = Json.write(new CallEvent.CallHungUp("e-1", "call-real", Instant.now(), 0, 0, Party.CALLER));
        sqs.sendMessage(r -> r.queueUrl(dlq).messageBody(real).messageGroupId("call-real").messageDeduplicationId("e-1"));
        sqs.sendMessage(r -> r.queueUrl(dlq).messageBody(Poison.MARK + " {{{").messageGroupId("p")
                .messageDeduplicationId("p-1"));

        Audit audit = new Audit(dynamoDb, sqs, aws);
        audit.deadLetters(Set.of());
        assertThat(audit.lost).containsEntry("real messages in a dead-letter queue", 1L);
        assertThat(audit.poisonFound).containsEntry(Resources.CALL_STATE_CHANGES.deadLetterName(), 1L);
    }
}
