package dev.calling.infra.service;

import dev.calling.infra.Nag;
import java.util.List;
import software.amazon.awscdk.aws_apigatewayv2_authorizers.WebSocketLambdaAuthorizer;
import software.amazon.awscdk.aws_apigatewayv2_authorizers.WebSocketLambdaAuthorizerProps;
import software.amazon.awscdk.aws_apigatewayv2_integrations.WebSocketLambdaIntegration;
import software.amazon.awscdk.services.apigatewayv2.ThrottleSettings;
import software.amazon.awscdk.services.apigatewayv2.WebSocketApi;
import software.amazon.awscdk.services.apigatewayv2.WebSocketRouteOptions;
import software.amazon.awscdk.services.apigatewayv2.WebSocketStage;
import software.constructs.Construct;

/**
 * The WebSocket API the apps keep open for realtime call updates. WebSocket APIs have no JWT
 * authorizer, so RealtimeAuthorizer (a Lambda REQUEST authorizer) verifies the Cognito token from
 * the {@code token} query parameter on {@code $connect} and hands the user id to every route of the
 * connection; all three routes go to Realtime, which reports connections on connection-events.
 * CallStateManager pushes to connections through the stage's callback URL.
 */
public final class RealtimeApi extends Construct {

    public static final String STAGE = "live";
    static final int RATE_LIMIT = 100;
    static final int BURST_LIMIT = 200;

    private final WebSocketApi api;
    private final WebSocketStage stage;

    /** Where the app puts its token: browsers cannot set headers on a WebSocket. */
    public static final String TOKEN_SOURCE = "route.request.querystring.token";

    public RealtimeApi(Construct scope, String id, String apiName, CallingFunction realtime,
            CallingFunction authorizer) {
        super(scope, id);
        api = WebSocketApi.Builder.create(this, "Api")
                .apiName(apiName)
                .description("Calling: realtime call updates to the apps")
                .connectRouteOptions(WebSocketRouteOptions.builder()
                        .integration(new WebSocketLambdaIntegration("RealtimeConnect", realtime.alias()))
                        .authorizer(new WebSocketLambdaAuthorizer("RealtimeAuthorizer", authorizer.alias(),
                                WebSocketLambdaAuthorizerProps.builder().identitySource(List.of(TOKEN_SOURCE)).build()))
                        .build())
                .disconnectRouteOptions(route("RealtimeDisconnect", realtime).build())
                // Two-way: Realtime's reply (the heartbeat's connection id, or an error) goes back to the app.
                .defaultRouteOptions(route("RealtimeDefault", realtime).returnResponse(true).build())
                .build();
        stage = WebSocketStage.Builder.create(this, "Stage")
                .webSocketApi(api)
                .stageName(STAGE)
                .autoDeploy(true)
                .throttle(ThrottleSettings.builder().rateLimit(RATE_LIMIT).burstLimit(BURST_LIMIT).build())
                .accessLogSettings(AccessLogs.to(this, "AccessLogs", AccessLogs.WEBSOCKET_FORMAT))
                .build();
        for (String route : List.of("$disconnect-Route", "$default-Route")) {
            Nag.suppress(api.getNode().findChild(route), "APIG4", "API Gateway allows an authorizer on a WebSocket"
                    + " API's $connect route only: RealtimeAuthorizer checks the token there, and $disconnect and"
                    + " $default exist only on a connection it admitted (they get its user id in their context).");
        }
    }

    private static WebSocketRouteOptions.Builder route(String name, CallingFunction realtime) {
        return WebSocketRouteOptions.builder().integration(new WebSocketLambdaIntegration(name, realtime.alias()));
    }

    public WebSocketApi api() {
        return api;
    }

    public WebSocketStage stage() {
        return stage;
    }

    /** {@code wss://<id>.execute-api.<region>.amazonaws.com/live}, what the apps connect to. */
    public String url() {
        return stage.getUrl();
    }

    /** {@code https://<id>.execute-api.<region>.amazonaws.com/live}, the API Gateway Management API endpoint. */
    public String callbackUrl() {
        return stage.getCallbackUrl();
    }
}
