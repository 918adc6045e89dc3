package dev.calling.push.sns;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * Builds the SNS client the way {@code AwsClients} builds the others (URLConnection HTTP client; with an
 * endpoint override, a stub in tests, dummy static credentials, otherwise the Lambda role's), with short
 * timeouts and retries only where SNS certainly did nothing: throttling, a 5xx answer, a connection that
 * never opened. The SDK's default strategy also retries a request whose answer timed out, which for
 * Publish could send a push twice; here such a failure reaches the caller, which does not send again.
 */
public final class SnsClients {

    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(5);
    public static final int MAX_ATTEMPTS = 3;

    private SnsClients() {}

    public static SnsClient create(String region, Optional<URI> endpoint) {
        return create(region, endpoint, SOCKET_TIMEOUT);
    }

    /** @param socketTimeout how long an answer is waited for (shorter in tests) */
    public static SnsClient create(String region, Optional<URI> endpoint, Duration socketTimeout) {
        StandardRetryStrategy retries = StandardRetryStrategy.builder()
                .maxAttempts(MAX_ATTEMPTS)
                .retryOnException(SnsClients::certainlyNotDone)
                .treatAsThrottling(SnsClients::throttled)
                .backoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(100), Duration.ofSeconds(1)))
                .throttlingBackoffStrategy(
                        BackoffStrategy.exponentialDelay(Duration.ofMillis(500), Duration.ofSeconds(2)))
                .circuitBreakerEnabled(false)
                // Without this the client adds the SDK's own conditions, which retry timeouts too.
                .useClientDefaults(false)
                .build();
        var builder = SnsClient.builder().region(Region.of(region))
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(socketTimeout).build())
                .overrideConfiguration(c -> c.retryStrategy(retries))
                .credentialsProvider(endpoint.isPresent()
                        ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                        : DefaultCredentialsProvider.builder().build());
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** Throttled or failed on SNS's side (5xx), or no connection was ever made: nothing was done. */
    static boolean certainlyNotDone(Throwable failure) {
        if (failure instanceof SdkServiceException service) {
            return throttled(service) || service.statusCode() >= 500;
        }
        return neverConnected(failure);
    }

    static boolean throttled(Throwable failure) {
        return failure instanceof SdkServiceException service
                && (service.isThrottlingException() || "Throttled".equals(errorCode(service)));
    }

    /** A failure to open the connection at all: the request cannot have reached SNS. */
    static boolean neverConnected(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof UnknownHostException
                    || cause instanceof NoRouteToHostException) {
                return true;
            }
            if (cause instanceof SocketTimeoutException timeout && timeout.getMessage() != null
                    && timeout.getMessage().contains("connect timed out")) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    static String errorCode(SdkServiceException service) {
        if (service instanceof software.amazon.awssdk.awscore.exception.AwsServiceException aws
                && aws.awsErrorDetails() != null) {
            return aws.awsErrorDetails().errorCode();
        }
        return null;
    }
}
