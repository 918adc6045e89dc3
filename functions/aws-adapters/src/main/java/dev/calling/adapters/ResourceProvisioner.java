package dev.calling.adapters;

import dev.calling.adapters.Resources.IndexDefinition;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.Resources.TableDefinition;
import dev.calling.adapters.sqs.QueueArn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Creates the tables and queues of {@link Resources} through the AWS SDK, against any
 * AWS-protocol endpoint (the embedded emulators, LocalStack). Idempotent. In AWS the CDK app
 * creates them instead.
 */
public final class ResourceProvisioner {

    private final DynamoDbClient dynamoDb;
    private final SqsClient sqs;

    public ResourceProvisioner(DynamoDbClient dynamoDb, SqsClient sqs) {
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
    }

    public void createTable(TableDefinition table) {
        List<AttributeDefinition> attributes = new ArrayList<>();
        List<KeySchemaElement> keys = new ArrayList<>();
        attributes.add(stringAttribute(table.partitionKey()));
        keys.add(KeySchemaElement.builder().attributeName(table.partitionKey()).keyType(KeyType.HASH).build());
        table.sortKey().ifPresent(sk -> {
            attributes.add(stringAttribute(sk));
            keys.add(KeySchemaElement.builder().attributeName(sk).keyType(KeyType.RANGE).build());
        });
        List<GlobalSecondaryIndex> indexes = new ArrayList<>();
        for (IndexDefinition index : table.indexes()) {
            List<KeySchemaElement> indexKeys = new ArrayList<>();
            indexKeys.add(KeySchemaElement.builder().attributeName(index.partitionKey()).keyType(KeyType.HASH).build());
            index.sortKey().ifPresent(sk -> indexKeys.add(KeySchemaElement.builder().attributeName(sk)
                    .keyType(KeyType.RANGE).build()));
            for (KeySchemaElement key : indexKeys) {
                if (attributes.stream().noneMatch(a -> a.attributeName().equals(key.attributeName()))) {
                    attributes.add(stringAttribute(key.attributeName()));
                }
            }
            indexes.add(GlobalSecondaryIndex.builder().indexName(index.name()).keySchema(indexKeys)
                    .projection(p -> p.projectionType(index.projection() == Resources.Projection.KEYS_ONLY
                            ? ProjectionType.KEYS_ONLY : ProjectionType.ALL)).build());
        }
        CreateTableRequest.Builder request = CreateTableRequest.builder().tableName(table.name())
                .attributeDefinitions(attributes).keySchema(keys).billingMode(BillingMode.PAY_PER_REQUEST);
        if (!indexes.isEmpty()) {
            request.globalSecondaryIndexes(indexes);
        }
        try {
            dynamoDb.createTable(request.build());
            dynamoDb.waiter().waitUntilTableExists(r -> r.tableName(table.name()));
        } catch (ResourceInUseException alreadyThere) {
            return;
        }
        table.ttlAttribute().ifPresent(ttl -> dynamoDb.updateTimeToLive(r -> r.tableName(table.name())
                .timeToLiveSpecification(s -> s.attributeName(ttl).enabled(true))));
    }

    /** Creates the queue and its dead-letter queue with the redrive policy; returns the queue's URL. */
    public String createQueue(QueueDefinition queue) {
        String dlqUrl = sqs.createQueue(r -> r.queueName(queue.deadLetterName()).attributes(baseAttributes(queue)))
                .queueUrl();
        String dlqArn = QueueArn.of(sqs, dlqUrl);
        Map<QueueAttributeName, String> attributes = baseAttributes(queue);
        attributes.put(QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(queue.visibilityTimeout().toSeconds()));
        attributes.put(QueueAttributeName.REDRIVE_POLICY,
                "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + queue.maxReceiveCount() + "\"}");
        return sqs.createQueue(r -> r.queueName(queue.name()).attributes(attributes)).queueUrl();
    }

    public void createAll(List<TableDefinition> tables, List<QueueDefinition> queues) {
        tables.forEach(this::createTable);
        queues.forEach(this::createQueue);
    }

    private static Map<QueueAttributeName, String> baseAttributes(QueueDefinition queue) {
        Map<QueueAttributeName, String> attributes = new HashMap<>();
        attributes.put(QueueAttributeName.MESSAGE_RETENTION_PERIOD, Long.toString(queue.retention().toSeconds()));
        if (queue.fifo()) {
            attributes.put(QueueAttributeName.FIFO_QUEUE, "true");
            // Deduplication ids are always set explicitly from event ids.
            attributes.put(QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "false");
        }
        return attributes;
    }

    private static AttributeDefinition stringAttribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }
}
