package dev.calling.push.sns;

import dev.calling.adapters.Resources;
import dev.calling.adapters.devices.DynamoDbDevices;
import dev.calling.adapters.sqs.SqsDeadLetters;
import dev.calling.core.push.Devices;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Builds the push sender from configuration (application.properties); created once per Lambda container. */
@ApplicationScoped
public class PushSenderWiring {

    @Produces
    @ApplicationScoped
    SnsClient sns(@ConfigProperty(name = "calling.aws.region") String region,
            @ConfigProperty(name = "calling.aws.sns-endpoint") Optional<URI> endpoint) {
        return SnsClients.create(region, endpoint);
    }

    @Produces
    @Singleton
    PlatformApplications platformApplications(
            @ConfigProperty(name = "calling.push.apns-voip-application-arn") Optional<String> apnsVoip,
            @ConfigProperty(name = "calling.push.apns-voip-sandbox-application-arn") Optional<String> apnsVoipSandbox,
            @ConfigProperty(name = "calling.push.apns-application-arn") Optional<String> apns,
            @ConfigProperty(name = "calling.push.apns-sandbox-application-arn") Optional<String> apnsSandbox,
            @ConfigProperty(name = "calling.push.fcm-application-arn") Optional<String> fcm) {
        return PlatformApplications.none().with(SnsPlatform.APNS_VOIP, apnsVoip)
                .with(SnsPlatform.APNS_VOIP_SANDBOX, apnsVoipSandbox).with(SnsPlatform.APNS, apns)
                .with(SnsPlatform.APNS_SANDBOX, apnsSandbox).with(SnsPlatform.GCM, fcm);
    }

    @Produces
    @Singleton
    Devices devices(DynamoDbClient dynamoDb, @ConfigProperty(name = "calling.tables.devices") String devicesTable) {
        return new DynamoDbDevices(dynamoDb, devicesTable);
    }

    // Singleton: the classes are final (no client proxy), and stateless.
    @Produces
    @Singleton
    PushSender pushSender(SnsClient sns, PlatformApplications applications, Devices devices,
            DynamoDbClient dynamoDb, Clock clock,
            @ConfigProperty(name = "calling.tables.push-markers") String markersTable) {
        return new PushSender(devices, new PushMarkers(dynamoDb, markersTable), new SnsPushGateway(sns, applications),
                clock);
    }

    /** Where a push command that can never be read is kept (see SqsBatchProcessor). */
    @Produces
    @ApplicationScoped
    SqsDeadLetters deadLetters(SqsClient sqs, @ConfigProperty(name = "calling.queues.call-pushes") String callPushesUrl) {
        return new SqsDeadLetters(sqs).of(Resources.CALL_PUSHES, callPushesUrl);
    }
}
