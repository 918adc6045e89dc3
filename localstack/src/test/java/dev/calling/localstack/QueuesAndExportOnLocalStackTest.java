package dev.calling.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.AwsClients;
import dev.calling.adapters.Resources;
import dev.calling.adapters.billing.BillingExport;
import dev.calling.adapters.billing.DynamoDbCallDetailRecords;
import dev.calling.adapters.billing.ExportManifest;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.EndReason;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.money.Money;
import dev.calling.core.call.RouteKind;
import dev.calling.core.call.Attempt;
import dev.calling.core.routing.AttemptOutcome;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** FIFO deduplication, redrive of a poison message, and a day's billing export into S3, on LocalStack. */
@Testcontainers(disabledWithoutDocker = true)
class QueuesAndExportOnLocalStackTest {

    static AwsClients aws;

    @BeforeAll
    static void start() {
        aws = LocalStack.clients();
    }

    @Test
    void anEventPublishedTwiceArrivesOnce() {
        try (SqsClient sqs = aws.sqs()) {
            String url = sqs.getQueueUrl(r -> r.queueName(Resources.CALL_STATE_CHANGES.name())).queueUrl();
            SqsCallStateChanges events = new SqsCallStateChanges(sqs, url);
            CallEvent requested = new CallEvent.CallRequested("ls-event-1", "ls-fifo-call",
                    Instant.parse("2026-11-24T10:00:00Z"), "alice", "a1", "bob");
            events.publish(requested);
            events.publish(requested);

            List<Message> received = drain(sqs, url);
            assertThat(received).hasSize(1);
            assertThat(received.get(0).body()).contains("ls-fifo-call");
        }
    }

    @Test
    void aMessageFailedMaxReceiveCountTimesMovesToTheDeadLetterQueue() {
        try (SqsClient sqs = aws.sqs()) {
            String url = sqs.getQueueUrl(r -> r.queueName(Resources.CONNECTION_EVENTS.name())).queueUrl();
            String dlq = sqs.getQueueUrl(r -> r.queueName(Resources.CONNECTION_EVENTS.deadLetterName())).queueUrl();
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("{\"poison\":true}"));
            for (int i = 0; i < Resources.CONNECTION_EVENTS.maxReceiveCount(); i++) {
                List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(5)).messages();
                assertThat(batch).as("receive " + (i + 1)).hasSize(1);
                // A failed handler: hand it back at once instead of waiting out the visibility timeout.
                sqs.changeMessageVisibility(r -> r.queueUrl(url).receiptHandle(batch.get(0).receiptHandle())
                        .visibilityTimeout(0));
            }
            List<Message> dead = sqs.receiveMessage(r -> r.queueUrl(dlq).waitTimeSeconds(2)).messages();
            for (int i = 0; dead.isEmpty() && i < 5; i++) {
                sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(1)); // the receive that redrives it
                dead = sqs.receiveMessage(r -> r.queueUrl(dlq).waitTimeSeconds(2)).messages();
            }
            assertThat(dead).extracting(Message::body).containsExactly("{\"poison\":true}");
        }
    }

    @Test
    void aDaysCallDetailRecordsAreExportedToTheBucketWithAManifest() throws Exception {
        LocalDate day = LocalDate.parse("2026-11-24");
        try (DynamoDbClient dynamoDb = aws.dynamoDb(); S3Client s3 = aws.s3()) {
            DynamoDbCallDetailRecords records = new DynamoDbCallDetailRecords(dynamoDb, Resources.CALL_DETAIL_RECORDS.name());
            for (int i = 0; i < 3; i++) {
                records.record(cdr("ls-cdr-" + i, Instant.parse("2026-11-24T08:00:0" + i + "Z")));
            }
            ExportManifest manifest = new BillingExport(records, s3, Resources.BILLING_EXPORTS.name()).export(day);

            assertThat(manifest.rows()).isEqualTo(3);
            JsonNode stored = new ObjectMapper().readTree(s3.getObjectAsBytes(r -> r
                    .bucket(Resources.BILLING_EXPORTS.name()).key(BillingExport.manifestKey(day))).asByteArray());
            assertThat(stored.path("rows").asLong()).isEqualTo(3);
            assertThat(s3.headObject(r -> r.bucket(Resources.BILLING_EXPORTS.name())
                    .key(BillingExport.objectKey(day))).contentLength()).isPositive();
        }
    }

    static CallDetailRecord cdr(String callId, Instant ended) {
        Instant requested = ended.minusSeconds(70);
        return new CallDetailRecord(callId, "alice", "+5511987654321", "+5511987654321", RouteKind.PSTN, "atlas",
                List.of(new Attempt(1, "atlas", requested, ended, AttemptOutcome.ANSWERED, 0)),
                requested, requested.plusSeconds(5), ended, EndReason.COMPLETED, 65, 120,
                Money.of("0.20", "USD"), Money.of("0.05", "USD"));
    }

    private static List<Message> drain(SqsClient sqs, String url) {
        List<Message> all = new ArrayList<>();
        while (true) {
            int wait = all.isEmpty() ? 5 : 1;
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(wait))
                    .messages();
            if (batch.isEmpty()) {
                return all;
            }
            batch.forEach(m -> sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle())));
            all.addAll(batch);
        }
    }
}
