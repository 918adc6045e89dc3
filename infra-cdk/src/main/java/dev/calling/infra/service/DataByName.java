package dev.calling.infra.service;

import dev.calling.adapters.Resources.BucketDefinition;
import dev.calling.adapters.Resources.IndexDefinition;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.Resources.TableDefinition;
import dev.calling.infra.PhysicalNames;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableAttributes;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.sqs.IQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueAttributes;
import software.constructs.Construct;

/**
 * The data stack's tables, queues and buckets as the service stack sees them: referenced by their
 * {@link PhysicalNames}, not through CloudFormation exports, so the two stacks never block each
 * other's changes. Each is imported once, when a function first uses it.
 */
public final class DataByName extends Construct {

    /** A table and the definition it was created from (its name gives the function's property). */
    public record TableRef(TableDefinition definition, ITable table) {

        /** The ARNs a data-plane call may name: the table and each of its indexes, listed (no wildcard). */
        public java.util.List<String> arns() {
            var arns = new java.util.ArrayList<String>();
            arns.add(table.getTableArn());
            for (IndexDefinition index : definition.indexes()) {
                arns.add(table.getTableArn() + "/index/" + index.name());
            }
            return arns;
        }
    }

    public record QueueRef(QueueDefinition definition, IQueue queue, IQueue deadLetterQueue) {}

    public record BucketRef(BucketDefinition definition, IBucket bucket) {}

    private final PhysicalNames names;
    private final Map<String, TableRef> tables = new HashMap<>();
    private final Map<String, QueueRef> queues = new HashMap<>();
    private final Map<String, BucketRef> buckets = new HashMap<>();

    public DataByName(Construct scope, String id, PhysicalNames names) {
        super(scope, id);
        this.names = names;
    }

    public TableRef table(TableDefinition definition) {
        return tables.computeIfAbsent(definition.name(), name -> new TableRef(definition,
                Table.fromTableAttributes(this, PhysicalNames.pascal(name) + "Table", TableAttributes.builder()
                        .tableName(names.table(definition))
                        .globalIndexes(definition.indexes().stream().map(IndexDefinition::name).toList())
                        .build())));
    }

    public QueueRef queue(QueueDefinition definition) {
        return queues.computeIfAbsent(definition.name(), name -> new QueueRef(definition,
                importQueue(PhysicalNames.pascal(name) + "Queue", names.queue(definition), definition.fifo()),
                importQueue(PhysicalNames.pascal(name) + "Dlq", names.deadLetterQueue(definition), definition.fifo())));
    }

    public BucketRef bucket(BucketDefinition definition) {
        return buckets.computeIfAbsent(definition.name(), name -> new BucketRef(definition,
                Bucket.fromBucketName(this, PhysicalNames.pascal(name) + "Bucket", names.bucket(definition))));
    }

    private IQueue importQueue(String id, String queueName, boolean fifo) {
        String arn = Stack.of(this).formatArn(ArnComponents.builder().service("sqs").resource(queueName)
                .arnFormat(ArnFormat.NO_RESOURCE_NAME).build());
        String url = "https://sqs." + Aws.REGION + "." + Aws.URL_SUFFIX + "/" + Aws.ACCOUNT_ID + "/" + queueName;
        return Queue.fromQueueAttributes(this, id, QueueAttributes.builder().queueArn(arn).queueName(queueName)
                .queueUrl(url).fifo(fifo).build());
    }
}
