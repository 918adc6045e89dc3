package dev.calling.switching.chime;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.chimesdkmeetings.ChimeSdkMeetingsClient;

/**
 * Builds the Chime SDK Meetings client the way {@code AwsClients} builds the others: URLConnection
 * HTTP client, the SDK's standard retries (throttling and 5xx, with backoff) and short timeouts, since
 * a command that fails is retried through its queue anyway; with an endpoint override (a stub in
 * tests) dummy static credentials, otherwise the Lambda role's.
 */
public final class ChimeMeetingsClients {

    private ChimeMeetingsClients() {}

    /** @param region the region of the Chime SDK Meetings control plane (not necessarily the media region) */
    public static ChimeSdkMeetingsClient create(String region, Optional<URI> endpoint) {
        var builder = ChimeSdkMeetingsClient.builder().region(Region.of(region))
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(5)).build())
                .overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD)
                        .apiCallTimeout(Duration.ofSeconds(8)))
                .credentialsProvider(endpoint.isPresent()
                        ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                        : DefaultCredentialsProvider.builder().build());
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
