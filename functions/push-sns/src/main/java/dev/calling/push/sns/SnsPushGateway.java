package dev.calling.push.sns;

import dev.calling.core.call.CallCommand;
import dev.calling.core.push.Device;
import dev.calling.core.push.PushKind;
import dev.calling.push.sns.PushMessages.Publication;
import dev.calling.push.sns.SnsPlatform.Target;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.EndpointDisabledException;
import software.amazon.awssdk.services.sns.model.InvalidParameterException;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.NotFoundException;
import software.amazon.awssdk.services.sns.model.PublishResponse;

/**
 * Sends one push to one device through Amazon SNS mobile push, with the real SDK client:
 *
 * <ol>
 *   <li>{@code CreatePlatformEndpoint} on the platform application of the push's {@link SnsPlatform} with the
 *       device's token and {@code CustomUserData} {@code <userId>/<deviceId>}. SNS answers the existing
 *       endpoint's ARN for a token it has with the same attributes (the call is idempotent), and refuses one
 *       it has with other attributes (another user or device registered the token before) with an
 *       {@code InvalidParameter} naming that endpoint: its ARN is taken from the message and the endpoint
 *       given this owner and enabled ({@code SetEndpointAttributes}), as SNS's token management guide does
 *       (https://docs.aws.amazon.com/sns/latest/dg/mobile-platform-endpoint.html).
 *   <li>{@code Publish} to the endpoint ({@code TargetArn}) with {@code MessageStructure=json}
 *       ({@link PushMessages}).
 * </ol>
 *
 * A token the service rejects ({@code EndpointDisabled}: SNS disabled the endpoint after APNs or FCM said the
 * token is no longer valid; an {@code InvalidParameter} about the token) has its endpoint deleted and is
 * reported {@link PushOutcome.TokenRejected}. Throttling, a 5xx or no connection: {@link PushOutcome.Retryable}
 * (the client itself retries those a few times first, {@link SnsClients}); a Publish without an answer:
 * {@link PushOutcome.Ambiguous}. Endpoints are not kept: creating one per push costs a request and keeps
 * no second copy of the token to go stale.
 *
 * <p>Error codes as in the SNS API reference: {@code EndpointDisabled} and {@code InvalidParameter} (400),
 * {@code PlatformApplicationDisabled} (400), {@code Throttled} (429), {@code InternalError} (500),
 * {@code NotFound} (404), {@code AuthorizationError} (403).
 */
public final class SnsPushGateway {

    private static final System.Logger LOG = System.getLogger(SnsPushGateway.class.getName());

    /** From SNS's InvalidParameter message: "... Endpoint arn:aws:sns:... already exists with the same Token, but different attributes." */
    static final Pattern EXISTING_ENDPOINT =
            Pattern.compile(".*Endpoint (arn:aws[a-z-]*:sns:\\S+) already exists with the same [Tt]oken.*", Pattern.DOTALL);

    private final SnsClient sns;
    private final PlatformApplications applications;

    public SnsPushGateway(SnsClient sns, PlatformApplications applications) {
        this.sns = sns;
        this.applications = applications;
    }

    /**
     * Why a push of {@code kind} to {@code device} cannot be sent here, if it cannot: no alert token for a
     * visible or background push to an iOS device, or no platform application configured (logged as a warning).
     */
    public Optional<String> skipReason(Device device, PushKind kind, String callId) {
        Optional<Target> target = SnsPlatform.target(device, kind);
        if (target.isEmpty()) {
            return Optional.of("no alert token for a " + kind + " push to an iOS device (the app learns it over its connection)");
        }
        SnsPlatform platform = target.get().platform();
        if (applications.arn(platform).isEmpty()) {
            LOG.log(Level.WARNING, () -> "call " + callId + ": " + kind + " push to " + device
                    + " skipped: no SNS platform application for " + platform + " is configured");
            return Optional.of("no " + platform + " platform application configured");
        }
        return Optional.empty();
    }

    /** Sends {@code push} to {@code device}; {@code now} is when the ring's expiry is counted from. */
    public PushOutcome send(Device device, CallCommand.PushCallee push, Instant now) {
        Optional<Target> found = SnsPlatform.target(device, push.kind());
        if (found.isEmpty()) {
            return new PushOutcome.Skipped("no alert token");
        }
        Target target = found.get();
        Optional<String> application = applications.arn(target.platform());
        if (application.isEmpty()) {
            return new PushOutcome.Skipped("no " + target.platform() + " platform application configured");
        }
        Publication publication = PushMessages.of(target.platform(), push, now);
        String owner = device.userId() + "/" + device.deviceId();

        String endpointArn;
        try {
            endpointArn = endpoint(application.get(), target.token(), owner);
        } catch (InvalidParameterException e) {
            if (aboutToken(e)) {
                return new PushOutcome.TokenRejected(target.token(), "CreatePlatformEndpoint: " + describe(e));
            }
            return new PushOutcome.Refused("CreatePlatformEndpoint: " + describe(e));
        } catch (SdkException e) {
            // No push went out yet: whatever failed, trying again later cannot send twice.
            return SnsClients.certainlyNotDone(e) || e instanceof SdkClientException
                    ? new PushOutcome.Retryable("CreatePlatformEndpoint: " + describe(e))
                    : new PushOutcome.Refused("CreatePlatformEndpoint: " + describe(e));
        }

        try {
            PublishResponse published = sns.publish(r -> r.targetArn(endpointArn).messageStructure("json")
                    .message(publication.message()).messageAttributes(attributes(publication.attributes())));
            return new PushOutcome.Sent(published.messageId());
        } catch (EndpointDisabledException e) {
            deleteEndpoint(endpointArn, push.callId());
            return new PushOutcome.TokenRejected(target.token(), "Publish: " + describe(e));
        } catch (NotFoundException e) {
            // The endpoint went between the two requests (deleted for a rejected token meanwhile): a retry makes it anew.
            return new PushOutcome.Retryable("Publish: " + describe(e));
        } catch (SdkServiceException e) {
            return SnsClients.certainlyNotDone(e) ? new PushOutcome.Retryable("Publish: " + describe(e))
                    : new PushOutcome.Refused("Publish: " + describe(e));
        } catch (SdkClientException e) {
            return SnsClients.neverConnected(e) ? new PushOutcome.Retryable("Publish: " + describe(e))
                    : new PushOutcome.Ambiguous("Publish: " + describe(e));
        }
    }

    /** The endpoint of {@code token} in {@code application}, owned by {@code owner} and enabled. */
    private String endpoint(String application, String token, String owner) {
        try {
            return sns.createPlatformEndpoint(r -> r.platformApplicationArn(application).token(token)
                    .customUserData(owner)).endpointArn();
        } catch (InvalidParameterException e) {
            Matcher existing = EXISTING_ENDPOINT.matcher(e.awsErrorDetails() == null ? String.valueOf(e.getMessage())
                    : String.valueOf(e.awsErrorDetails().errorMessage()));
            if (!existing.matches()) {
                throw e;
            }
            String arn = existing.group(1);
            // The token was registered for another user or device before: it is this one's now.
            sns.setEndpointAttributes(r -> r.endpointArn(arn)
                    .attributes(Map.of("Enabled", "true", "CustomUserData", owner)));
            LOG.log(Level.INFO, () -> "endpoint " + Redact.tail(arn) + " taken over by " + owner);
            return arn;
        }
    }

    private void deleteEndpoint(String endpointArn, String callId) {
        try {
            sns.deleteEndpoint(r -> r.endpointArn(endpointArn));
        } catch (SdkException e) {
            // A disabled endpoint left behind sends nothing; the next push for the token deletes it again.
            LOG.log(Level.WARNING, () -> "call " + callId + ": could not delete endpoint " + Redact.tail(endpointArn)
                    + ": " + describe(e));
        }
    }

    /** An InvalidParameter naming the token ("Invalid parameter: Token Reason: ..."). */
    private static boolean aboutToken(InvalidParameterException e) {
        String message = e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
        return message != null && message.matches("(?s).*\\b[Tt]oken\\b.*");
    }

    private static Map<String, MessageAttributeValue> attributes(Map<String, String> values) {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        values.forEach((name, value) -> attributes.put(name,
                MessageAttributeValue.builder().dataType("String").stringValue(value).build()));
        return attributes;
    }

    /** The error's code and message, without anything that could carry a token or an endpoint ARN in full. */
    static String describe(SdkException e) {
        if (e instanceof SdkServiceException service) {
            String code = SnsClients.errorCode(service);
            return (code == null ? service.getClass().getSimpleName() : code) + " (HTTP " + service.statusCode() + ")";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return e.getClass().getSimpleName() + (root == e ? "" : " caused by " + root.getClass().getSimpleName());
    }
}
