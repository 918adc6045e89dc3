package dev.calling.infra.data;

import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.BucketDefinition;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.infra.CallingConfig;
import dev.calling.infra.PhysicalNames;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.constructs.Construct;

/**
 * Everything that holds state: the tables, queues and buckets of {@link Resources} and the user
 * pool. Deployed rarely, termination-protected, and its tables, buckets and user pool are kept
 * even when the stack is deleted. The service stack finds the tables, queues and buckets by their
 * {@link PhysicalNames}, so it can be changed, replaced or deleted freely.
 */
public final class CallingDataStack extends Stack {

    private final Tables tables;
    private final Queues queues;
    private final ExportBuckets buckets;
    private final Users users;

    public CallingDataStack(Construct scope, String id, StackProps props, CallingConfig config) {
        super(scope, id, props);
        PhysicalNames names = PhysicalNames.of(config.stage());
        tables = new Tables(this, "Tables", names);
        queues = new Queues(this, "Queues", names);
        buckets = new ExportBuckets(this, "Buckets", names, config.billingExportRetentionDays());
        users = new Users(this, "Users", names);

        // What the VoIP switch fleet and other clients outside this app are configured with.
        for (QueueDefinition queue : Resources.QUEUES) {
            CfnOutput.Builder.create(this, PhysicalNames.pascal(queue.name()) + "QueueUrl")
                    .description("URL of the " + queue.name() + " queue")
                    .value(queues.queue(queue).queue().getQueueUrl()).build();
        }
        for (BucketDefinition bucket : Resources.BUCKETS) {
            CfnOutput.Builder.create(this, PhysicalNames.pascal(bucket.name()) + "BucketName")
                    .description("The " + bucket.name() + " bucket")
                    .value(buckets.bucket(bucket).getBucketName()).build();
        }
        CfnOutput.Builder.create(this, "UserPoolId").value(users.pool().getUserPoolId()).build();
        CfnOutput.Builder.create(this, "UserPoolClientId").description("The mobile app's client id (token audience)")
                .value(users.mobileApp().getUserPoolClientId()).build();
        CfnOutput.Builder.create(this, "TokenIssuer").value(users.issuer()).build();
    }

    public Tables tables() {
        return tables;
    }

    public Queues queues() {
        return queues;
    }

    public ExportBuckets buckets() {
        return buckets;
    }

    public Users users() {
        return users;
    }
}
