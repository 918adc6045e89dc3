package dev.calling.infra.service;

import dev.calling.infra.Nag;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.aws_apigatewayv2_authorizers.HttpUserPoolAuthorizer;
import software.amazon.awscdk.aws_apigatewayv2_authorizers.HttpUserPoolAuthorizerProps;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegrationProps;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.CfnStage;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.apigatewayv2.HttpNoneAuthorizer;
import software.amazon.awscdk.services.apigatewayv2.HttpRoute;
import software.amazon.awscdk.services.apigatewayv2.HttpStage;
import software.amazon.awscdk.services.apigatewayv2.PayloadFormatVersion;
import software.amazon.awscdk.services.cognito.IUserPool;
import software.amazon.awscdk.services.cognito.IUserPoolClient;
import software.constructs.Construct;

/**
 * The HTTP API (payload format 2.0): the mobile clients' {@code /v1/...} behind a Cognito JWT
 * authorizer, which is the API's default so a route is never public by accident, and the carriers'
 * signed status webhooks (REST and Twilio), the one route without a JWT.
 *
 * <p>The webhook's Lambda proxy integration passes the request as it came: payload 2.0 carries
 * {@code rawPath}, {@code rawQueryString}, the headers (lower-cased, e.g. {@code x-twilio-signature})
 * and the body, base64-encoded ({@code isBase64Encoded}) for Twilio's form posts. No parameter mapping
 * or request transformation touches it, so CarrierWebhook can check a signature over exactly what the
 * carrier signed.
 */
public final class PublicHttpApi extends Construct {

    /** A first line against floods and runaway clients, per stage; raise it with real traffic. */
    static final int RATE_LIMIT = 200;
    static final int BURST_LIMIT = 400;
    /** Every path under /v1 goes to CallApi, which answers 404 for a path it does not know. */
    public static final String CALL_API_ROUTE = "/v1/{proxy+}";
    public static final String CARRIER_WEBHOOK_PATH = "/carrier-webhooks/";
    /** The carriers' callbacks' own limit, apart from the apps' (a flood of one does not starve the other). */
    static final int WEBHOOK_RATE_LIMIT = 50;
    static final int WEBHOOK_BURST_LIMIT = 100;
    static final String WEBHOOK_ROUTE_KEY = "POST " + CARRIER_WEBHOOK_PATH + "{providerId}";

    private final HttpApi api;
    private final HttpStage stage;

    public PublicHttpApi(Construct scope, String id, String apiName, IUserPool users, IUserPoolClient mobileApp,
            CallingFunction callApi, CallingFunction carrierWebhook) {
        super(scope, id);
        // Issuer = the user pool, audience = the mobile app's client (Cognito access tokens carry it as client_id).
        HttpUserPoolAuthorizer jwt = new HttpUserPoolAuthorizer("CognitoJwt", users, HttpUserPoolAuthorizerProps
                .builder().userPoolClients(List.of(mobileApp))
                .identitySource(List.of("$request.header.Authorization")).build());
        api = HttpApi.Builder.create(this, "Api")
                .apiName(apiName)
                .description("Calling: the mobile apps' API and the carriers' webhooks")
                .defaultAuthorizer(jwt)
                .createDefaultStage(false)
                .build();
        stage = AccessLogs.httpStage(this, api, RATE_LIMIT, BURST_LIMIT);

        api.addRoutes(AddRoutesOptions.builder()
                .path(CALL_API_ROUTE)
                .methods(List.of(HttpMethod.ANY))
                .integration(new HttpLambdaIntegration("CallApi", callApi.alias(), HttpLambdaIntegrationProps.builder()
                        .payloadFormatVersion(PayloadFormatVersion.VERSION_2_0).build()))
                .build());
        List<HttpRoute> webhook = api.addRoutes(AddRoutesOptions.builder()
                .path(CARRIER_WEBHOOK_PATH + "{providerId}")
                .methods(List.of(HttpMethod.POST))
                .integration(new HttpLambdaIntegration("CarrierWebhook", carrierWebhook.alias(),
                        HttpLambdaIntegrationProps.builder().payloadFormatVersion(PayloadFormatVersion.VERSION_2_0)
                                .build()))
                .authorizer(new HttpNoneAuthorizer())
                .build());
        // The webhook route's own throttle: without it the route took its share of the stage's limit with the apps'
        // traffic, so a burst of app requests could have dropped carriers' callbacks (and a carrier's retry storm
        // the apps' requests). CarrierWebhook's reserved 20 instances handle 50 small callbacks a second easily.
        CfnStage cfnStage = (CfnStage) stage.getNode().getDefaultChild();
        cfnStage.setRouteSettings(Map.of(WEBHOOK_ROUTE_KEY, Map.of(
                "ThrottlingRateLimit", WEBHOOK_RATE_LIMIT, "ThrottlingBurstLimit", WEBHOOK_BURST_LIMIT)));
        webhook.forEach(route -> stage.getNode().addDependency(route)); // route settings name an existing route
        webhook.forEach(route -> Nag.suppress(route, "APIG4", "Carriers cannot obtain our users' JWTs: each callback"
                + " is authenticated by CarrierWebhook with the carrier's signature: REST carriers' HMAC-SHA256 over"
                + " timestamp and body (docs/carrier-rest-api.md), Twilio's X-Twilio-Signature (HMAC-SHA1 with the"
                + " account's auth token over the full URL and the sorted form parameters); unknown carriers get"
                + " 404. Its route has a throttle of its own."));
    }

    public HttpApi api() {
        return api;
    }

    public HttpStage stage() {
        return stage;
    }

    /** {@code https://<id>.execute-api.<region>.amazonaws.com/} */
    public String url() {
        return stage.getUrl();
    }
}
