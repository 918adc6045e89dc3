package dev.calling.switching;

import dev.calling.adapters.AwsClients;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.realtime.ConnectionPush;
import dev.calling.adapters.realtime.MediaJoinPush;
import dev.calling.switching.chime.ChimeMeetingsClients;
import dev.calling.switching.chime.ChimeSwitchFunction;
import dev.calling.switching.chime.MeetingSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Builds the Chime switch from configuration; created once per Lambda container. */
@ApplicationScoped
public class SwitchWiring {

    // Singleton: the function class is final (no client proxy), and stateless.
    @Produces
    @Singleton
    ChimeSwitchFunction chimeSwitch(DynamoDbClient dynamoDb, SqsClient sqs, Clock clock,
            @ConfigProperty(name = "calling.aws.region") String region,
            @ConfigProperty(name = "calling.tables.call-media") String callMediaTable,
            @ConfigProperty(name = "calling.queues.call-state-changes") String callStateChangesUrl,
            @ConfigProperty(name = "calling.queues.switch-commands") String switchCommandsUrl,
            @ConfigProperty(name = "calling.chime-meetings.region") String chimeRegion,
            @ConfigProperty(name = "calling.chime-meetings.media-region") String mediaRegion,
            @ConfigProperty(name = "calling.chime-meetings.endpoint") Optional<URI> chimeEndpoint,
            @ConfigProperty(name = "calling.realtime.endpoint") Optional<URI> realtimeEndpoint) {
        MediaJoinPush push = realtimeEndpoint.map(endpoint -> MediaJoinPush.through(new ConnectionPush(
                new AwsClients(region, Optional.empty(), Optional.empty()).apiGatewayManagement(endpoint))))
                .orElse(MediaJoinPush.NONE);
        return ChimeSwitchFunction.on(ChimeMeetingsClients.create(chimeRegion, chimeEndpoint),
                new DynamoDbCallMedia(dynamoDb, callMediaTable), push, sqs, callStateChangesUrl, switchCommandsUrl,
                MeetingSettings.in(mediaRegion), clock);
    }
}
