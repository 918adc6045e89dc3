package dev.calling.carrier.webhook;

import dev.calling.core.privacy.LogMasking;
import dev.calling.adapters.lambda.LogContext;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.carrier.rest.CarrierWebhook;
import dev.calling.carrier.rest.WebhookResult;
import dev.calling.carrier.twilio.TwilioStatusCallback;
import dev.calling.carrier.twilio.TwilioWebhookResult;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The CarrierWebhook Lambda: an API Gateway HTTP API (payload 2.0) route
 * {@code POST /carrier-webhooks/{providerId}}. It hands the raw body (base64-decoded when API
 * Gateway encoded it; the signature covers the exact bytes) to the carrier's webhook: a Twilio
 * carrier's {@link TwilioStatusCallback} (with the raw query string, which Twilio's signature covers
 * too), answered 200 with empty TwiML when taken; otherwise the REST carrier protocol's
 * {@link CarrierWebhook}, answered 204. A refused callback gets an RFC 9457
 * {@code application/problem+json}, and a failure of our queue or table a 503 — so a carrier that
 * retries retries only what can succeed.
 */
@Named("CarrierWebhook")
public class CarrierWebhookHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private static final System.Logger LOG = System.getLogger(CarrierWebhookHandler.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CarrierWebhook webhook;
    private final TwilioCallbacks twilio;

    @Inject
    public CarrierWebhookHandler(CarrierWebhook webhook, TwilioCallbacks twilio) {
        this.webhook = webhook;
        this.twilio = twilio;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try (LogContext logged = LogContext.event("CarrierWebhook", context,
                event.getRequestContext() == null ? null : event.getRequestContext().getRequestId())) {
            return handle(event);
        }
    }

    private APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        String providerId = event.getPathParameters() == null ? null : event.getPathParameters().get("providerId");
        byte[] body;
        try {
            body = rawBody(event);
        } catch (IllegalArgumentException e) {
            return problem(new WebhookResult.Rejected(400, "Malformed status callback", "body is not valid base64"));
        }
        Optional<TwilioStatusCallback> twilioCallback;
        try {
            twilioCallback = twilio.of(providerId);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "carrier " + providerId + ": its settings are wrong, callbacks cannot be taken", e);
            return problem(new WebhookResult.Rejected(503, "Try again later", "the carrier is misconfigured"));
        }
        if (twilioCallback.isPresent()) {
            return twilio(providerId, twilioCallback.get(), event, body);
        }
        WebhookResult result;
        try {
            result = webhook.handle(providerId, event.getHeaders(), body);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "carrier " + providerId + ": callback not taken, the carrier will retry", e);
            return problem(new WebhookResult.Rejected(503, "Try again later", "the callback could not be recorded"));
        }
        LogContext.field("status", result instanceof WebhookResult.Rejected r ? r.status() : 204);
        if (result instanceof WebhookResult.Accepted accepted) {
            LOG.log(Level.INFO, () -> "carrier " + providerId + ": " + accepted.note());
            return APIGatewayV2HTTPResponse.builder().withStatusCode(204).build();
        }
        WebhookResult.Rejected rejected = (WebhookResult.Rejected) result;
        LOG.log(Level.WARNING, () -> "carrier " + providerId + ": refused " + rejected.status() + " "
                + LogMasking.text(rejected.detail()));
        return problem(rejected);
    }

    private static APIGatewayV2HTTPResponse twilio(String providerId, TwilioStatusCallback callback,
            APIGatewayV2HTTPEvent event, byte[] body) {
        TwilioWebhookResult result;
        try {
            result = callback.handle(event.getRawQueryString(), event.getHeaders(), body);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "carrier " + providerId + ": Twilio callback not taken", e);
            return problem(new WebhookResult.Rejected(503, "Try again later", "the callback could not be recorded"));
        }
        LogContext.field("status", result.status());
        if (result instanceof TwilioWebhookResult.Accepted accepted) {
            LOG.log(Level.INFO, () -> "carrier " + providerId + ": " + accepted.note());
        } else {
            LOG.log(Level.WARNING, () -> "carrier " + providerId + ": refused " + result.status() + " "
                    + LogMasking.text(result.body()));
        }
        return APIGatewayV2HTTPResponse.builder().withStatusCode(result.status())
                .withHeaders(Map.of("Content-Type", result.contentType())).withBody(result.body()).build();
    }

    private static byte[] rawBody(APIGatewayV2HTTPEvent event) {
        String body = event.getBody() == null ? "" : event.getBody();
        return event.getIsBase64Encoded() ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
    }

    private static APIGatewayV2HTTPResponse problem(WebhookResult.Rejected rejected) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "about:blank");
        problem.put("title", rejected.title());
        problem.put("status", rejected.status());
        problem.put("detail", rejected.detail());
        try {
            return APIGatewayV2HTTPResponse.builder().withStatusCode(rejected.status())
                    .withHeaders(Map.of("Content-Type", "application/problem+json"))
                    .withBody(JSON.writeValueAsString(problem)).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
