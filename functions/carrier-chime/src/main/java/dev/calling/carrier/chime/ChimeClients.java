package dev.calling.carrier.chime;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.chimesdkvoice.ChimeSdkVoiceClient;

/**
 * Builds the Chime SDK Voice client the way {@code AwsClients} builds the others: URLConnection
 * HTTP client; with an endpoint override (a stub endpoint in tests) dummy static credentials,
 * otherwise the Lambda role's.
 */
public final class ChimeClients {

    private ChimeClients() {}

    public static ChimeSdkVoiceClient create(String region, Optional<URI> endpoint) {
        var builder = ChimeSdkVoiceClient.builder().region(Region.of(region))
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(endpoint.isPresent()
                        ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                        : DefaultCredentialsProvider.builder().build());
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
