package dev.calling.carrier.webhook;

import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.QueueArn;
import dev.calling.carrier.rest.CarrierWebhook;
import dev.calling.lambda.SnapStartPriming;
import io.quarkus.arc.ClientProxy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SnapStart priming. Quarkus starts the application during init (its SnapStart full warm-up), but
 * the beans are built on first use and the first AWS requests load most of the SDK, so the first
 * callback after a restore took about ten times a warm one (docs/benchmarks.md, "Cold start").
 * Just before Lambda takes the snapshot this builds the webhook with its clients, reads a carrier
 * leg that never exists and asks the FIFO queue for its ARN: reads only, nothing is written or
 * sent. A failure is logged and does not stop the snapshot.
 */
@ApplicationScoped
class CarrierWebhookPriming extends SnapStartPriming {

    @Inject
    CarrierWebhook webhook;

    @Inject
    DynamoDbClient dynamoDb;

    @Inject
    SqsClient sqs;

    @ConfigProperty(name = "calling.tables.carrier-legs")
    String carrierLegsTable;

    @ConfigProperty(name = "calling.queues.call-state-changes")
    String callStateChangesUrl;

    @Override
    protected String prime() {
        ClientProxy.unwrap(webhook);
        new DynamoDbCarrierLegs(dynamoDb, carrierLegsTable, Clock.systemUTC()).byCarrierLeg(NOBODY, NOBODY);
        QueueArn.of(sqs, callStateChangesUrl);
        return "beans, carrier leg read, queue attributes";
    }
}
