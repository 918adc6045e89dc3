package dev.calling.sma;

import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.carrier.chime.ChimeSettings;
import dev.calling.carrier.chime.SipMediaApplicationHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the SIP media application from configuration; created once per Lambda container. It
 * needs no Chime client: Chime calls it, and it answers with actions.
 *
 * <p>The SIP media application's id and phone number are optional at start-up: the function is deployed
 * before they exist (its ARN is the endpoint the SIP media application is created with, step 1 of the Chime
 * set-up in infra-cdk/README.md), and Lambda starts it (the SnapStart snapshot of every published version)
 * with exactly that environment. Until they are set, every event fails with {@link #notConfigured}'s message.
 */
@ApplicationScoped
public class SipMediaHandlerWiring {

    static final String SIP_MEDIA_APPLICATION_ID = "calling.chime.sip-media-application-id";
    static final String FROM_PHONE_NUMBER = "calling.chime.from-phone-number";

    /** Why this function cannot answer Chime, if it cannot: the settings that are missing. */
    static Optional<String> notConfigured(Optional<String> sipMediaApplicationId, Optional<String> fromPhoneNumber) {
        List<String> missing = new ArrayList<>();
        if (sipMediaApplicationId.isEmpty()) {
            missing.add(SIP_MEDIA_APPLICATION_ID);
        }
        if (fromPhoneNumber.isEmpty()) {
            missing.add(FROM_PHONE_NUMBER);
        }
        return missing.isEmpty() ? Optional.empty() : Optional.of("SipMediaHandler is not configured: " + missing
                + " not set (deploy with -c chimeSipMediaApplicationId=... -c chimeFromPhoneNumber=..., step 2 of"
                + " \"Amazon Chime SDK Voice\" in infra-cdk/README.md)");
    }

    @Produces
    @Singleton
    ChimeSettings chimeSettings(@ConfigProperty(name = "calling.chime.provider-id") String providerId,
            @ConfigProperty(name = SIP_MEDIA_APPLICATION_ID) Optional<String> sipMediaApplicationId,
            @ConfigProperty(name = FROM_PHONE_NUMBER) Optional<String> fromPhoneNumber,
            @ConfigProperty(name = "calling.chime.voice-connector-arn") Optional<String> voiceConnectorArn,
            @ConfigProperty(name = "calling.chime.bridge-user-template") String bridgeUserTemplate) {
        notConfigured(sipMediaApplicationId, fromPhoneNumber).ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
        return new ChimeSettings(providerId, sipMediaApplicationId.orElseThrow(), fromPhoneNumber.orElseThrow(),
                voiceConnectorArn.orElse(null), bridgeUserTemplate);
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
