package dev.calling.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.AwsClients;
import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.BucketDefinition;
import dev.calling.adapters.Resources.IndexDefinition;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.Resources.TableDefinition;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The init script created every table, queue and bucket of Resources, as Resources defines them. */
@Testcontainers(disabledWithoutDocker = true)
class ResourcesOnLocalStackTest {

    static AwsClients aws;

    @BeforeAll
    static void start() {
        aws = LocalStack.clients();
    }

    @Test
    void everyTableHasItsKeysIndexesAndTtl() {
        try (DynamoDbClient dynamoDb = aws.dynamoDb()) {
            for (TableDefinition table : Resources.TABLES) {
                TableDescription described = dynamoDb.describeTable(r -> r.tableName(table.name())).table();
                assertThat(described.keySchema()).extracting(k -> k.attributeName()).containsExactlyElementsOf(
                        table.sortKey().map(sk -> java.util.List.of(table.partitionKey(), sk))
                                .orElse(java.util.List.of(table.partitionKey())));
                assertThat(described.globalSecondaryIndexes()).extracting(i -> i.indexName())
                        .containsExactlyInAnyOrderElementsOf(table.indexes().stream().map(IndexDefinition::name).toList());
                TimeToLiveStatus ttl = dynamoDb.describeTimeToLive(r -> r.tableName(table.name()))
                        .timeToLiveDescription().timeToLiveStatus();
                assertThat(ttl == TimeToLiveStatus.ENABLED).as(table.name() + " TTL").isEqualTo(table.ttlAttribute().isPresent());
            }
        }
    }

    @Test
    void everyQueueRedrivesToItsDeadLetterQueue() {
        try (SqsClient sqs = aws.sqs()) {
            for (QueueDefinition queue : Resources.QUEUES) {
                String url = sqs.getQueueUrl(r -> r.queueName(queue.name())).queueUrl();
                Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(url)
                        .attributeNames(QueueAttributeName.ALL)).attributes();
                assertThat(attributes.get(QueueAttributeName.VISIBILITY_TIMEOUT))
                        .isEqualTo(Long.toString(queue.visibilityTimeout().toSeconds()));
                assertThat(attributes.get(QueueAttributeName.REDRIVE_POLICY)).contains(queue.deadLetterName())
                        .contains(Integer.toString(queue.maxReceiveCount()));
                assertThat(Boolean.parseBoolean(attributes.getOrDefault(QueueAttributeName.FIFO_QUEUE, "false")))
                        .isEqualTo(queue.fifo());
                assertThat(sqs.getQueueUrl(r -> r.queueName(queue.deadLetterName())).queueUrl()).isNotBlank();
            }
        }
    }

    @Test
    void everyBucketExists() {
        try (S3Client s3 = aws.s3()) {
            for (BucketDefinition bucket : Resources.BUCKETS) {
                s3.headBucket(r -> r.bucket(bucket.name()));
            }
        }
    }
}
