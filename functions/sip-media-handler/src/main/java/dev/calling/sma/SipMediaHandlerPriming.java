package dev.calling.sma;

import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.QueueArn;
import dev.calling.carrier.chime.SipMediaApplicationHandler;
import dev.calling.lambda.SnapStartPriming;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SnapStart priming. Quarkus starts the application during init (its SnapStart full warm-up), but
 * the beans are built on first use and the first AWS requests load most of the SDK, so the first
 * event after a restore took about ten times a warm one (docs/benchmarks.md, "Cold start") — and
 * the SIP media application waits for this function's answer on a live call. Just before Lambda
 * takes the snapshot this builds the handler with its clients, reads a carrier leg that never
 * exists and asks the FIFO queue for its ARN: reads only, nothing is written or sent. A failure
 * is logged and does not stop the snapshot.
 */
@ApplicationScoped
class SipMediaHandlerPriming extends SnapStartPriming {

    // Looked up when priming, not injected: a @Singleton would otherwise be built at every start.
    @Inject
    Instance<SipMediaApplicationHandler> handler;

    @Inject
    DynamoDbClient dynamoDb;

    @Inject
    SqsClient sqs;

    @ConfigProperty(name = "calling.tables.carrier-legs")
    String carrierLegsTable;

    @ConfigProperty(name = "calling.queues.call-state-changes")
    String callStateChangesUrl;

    @ConfigProperty(name = SipMediaHandlerWiring.SIP_MEDIA_APPLICATION_ID)
    Optional<String> sipMediaApplicationId;

    @ConfigProperty(name = SipMediaHandlerWiring.FROM_PHONE_NUMBER)
    Optional<String> fromPhoneNumber;

    @Override
    protected String prime() {
        boolean configured = SipMediaHandlerWiring.notConfigured(sipMediaApplicationId, fromPhoneNumber).isEmpty();
        if (configured) {
            handler.get(); // before the Chime set-up's step 2 there is no handler to build
        }
        new DynamoDbCarrierLegs(dynamoDb, carrierLegsTable, Clock.systemUTC()).byCall(NOBODY, 1);
        QueueArn.of(sqs, callStateChangesUrl);
        return (configured ? "beans, " : "") + "carrier leg read, queue attributes";
    }
}
