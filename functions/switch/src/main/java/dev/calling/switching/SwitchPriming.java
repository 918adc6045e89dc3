package dev.calling.switching;

import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.sqs.QueueArn;
import dev.calling.lambda.SnapStartPriming;
import dev.calling.switching.chime.ChimeSwitchFunction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SnapStart priming (see {@link SnapStartPriming}): builds the switch with its clients, reads a
 * call-media item that never exists and asks the FIFO queue for its ARN. Reads only; Chime is not
 * called (a priming request would have to create something).
 */
@ApplicationScoped
class SwitchPriming extends SnapStartPriming {

    @Inject
    Instance<ChimeSwitchFunction> chimeSwitch;

    @Inject
    DynamoDbClient dynamoDb;

    @Inject
    SqsClient sqs;

    @ConfigProperty(name = "calling.tables.call-media")
    String callMediaTable;

    @ConfigProperty(name = "calling.queues.call-state-changes")
    String callStateChangesUrl;

    @Override
    protected String prime() {
        chimeSwitch.get();
        new DynamoDbCallMedia(dynamoDb, callMediaTable).find(NOBODY);
        QueueArn.of(sqs, callStateChangesUrl);
        return "beans, call-media read, queue attributes";
    }
}
