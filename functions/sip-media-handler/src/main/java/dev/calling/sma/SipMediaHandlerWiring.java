package dev.calling.sma;

import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.carrier.chime.ChimeSettings;
import dev.calling.carrier.chime.SipMediaApplicationHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the SIP media application from configuration; created once per Lambda container. It
 * needs no Chime client: Chime calls it, and it answers with actions.
 */
@ApplicationScoped
public class SipMediaHandlerWiring {

    @Produces
    @Singleton
    ChimeSettings chimeSettings(@ConfigProperty(name = "calling.chime.provider-id") String providerId,
            @ConfigProperty(name = "calling.chime.sip-media-application-id") String sipMediaApplicationId,
            @ConfigProperty(name = "calling.chime.from-phone-number") String fromPhoneNumber,
            @ConfigProperty(name = "calling.chime.voice-connector-arn") Optional<String> voiceConnectorArn,
            @ConfigProperty(name = "calling.chime.bridge-user-template") String bridgeUserTemplate) {
        return new ChimeSettings(providerId, sipMediaApplicationId, fromPhoneNumber, voiceConnectorArn.orElse(null),
                bridgeUserTemplate);
    }

    // Singleton: the handler class is final (no client proxy), and stateless.
    @Produces
    @Singleton
    SipMediaApplicationHandler sipMediaApplicationHandler(ChimeSettings settings, DynamoDbClient dynamoDb,
            SqsClient sqs, @ConfigProperty(name = "calling.tables.carrier-legs") String carrierLegsTable,
            @ConfigProperty(name = "calling.queues.call-state-changes") String callStateChangesUrl) {
        Clock clock = Clock.systemUTC();
        return new SipMediaApplicationHandler(settings, new DynamoDbCarrierLegs(dynamoDb, carrierLegsTable, clock),
                new SqsCallStateChanges(sqs, callStateChangesUrl), clock);
    }
}
