package dev.calling.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

/** The HTTP API (JWT by default, throttled, logged) and the WebSocket API (three routes to Realtime). */
class ApisTest {

    static TestApp.Synthesised app;

    @BeforeAll
    static void synthesise() {
        app = TestApp.get();
    }

    @Test
    void httpApiAuthorizesWithTheUserPoolsJwtForTheMobileClient() {
        JsonNode authorizer = jwtAuthorizer();
        assertThat(authorizer.path("AuthorizerType").asText()).isEqualTo("JWT");
        assertThat(authorizer.path("IdentitySource").get(0).asText()).isEqualTo("$request.header.Authorization");
        assertThat(authorizer.at("/JwtConfiguration/Issuer/Fn::Join/1").toString())
                .contains("https://cognito-idp.").contains("SsmParameterValuecallingtestuserpoolid");
        assertThat(authorizer.at("/JwtConfiguration/Audience/0/Ref").asText()).startsWith("SsmParameterValuecallingtestuserpoolclientid");
    }

    @Test
    void callApiRoutesNeedTheJwtAndOnlyTheCarrierWebhookIsOpen() {
        Map<String, JsonNode> routes = routes(httpApiId());
        assertThat(routes).containsOnlyKeys("ANY /v1/{proxy+}", "POST /carrier-webhooks/{providerId}");
        assertThat(routes.get("ANY /v1/{proxy+}").path("AuthorizationType").asText()).isEqualTo("JWT");
        assertThat(routes.get("ANY /v1/{proxy+}").at("/AuthorizerId/Ref").asText()).startsWith("HttpApiCognitoJwt");
        assertThat(routes.get("POST /carrier-webhooks/{providerId}").path("AuthorizationType").asText()).isEqualTo("NONE");
        assertThat(integrationTarget(routes.get("ANY /v1/{proxy+}"))).startsWith("CallApiLive");
        assertThat(integrationTarget(routes.get("POST /carrier-webhooks/{providerId}"))).startsWith("CarrierWebhookLive");
    }

    @Test
    void httpStageIsThrottledAndAccessLoggedWithoutTokens() {
        JsonNode stage = stage(httpApiId());
        assertThat(stage.path("StageName").asText()).isEqualTo("$default");
        assertThat(stage.at("/DefaultRouteSettings/ThrottlingRateLimit").asInt()).isEqualTo(200);
        assertThat(stage.at("/DefaultRouteSettings/ThrottlingBurstLimit").asInt()).isEqualTo(400);
        // The carriers' webhook route is throttled apart from the apps' routes, and the route exists before the stage.
        JsonNode webhook = stage.at("/RouteSettings/POST ~1carrier-webhooks~1{providerId}");
        assertThat(webhook.path("ThrottlingRateLimit").asInt()).isEqualTo(50);
        assertThat(webhook.path("ThrottlingBurstLimit").asInt()).isEqualTo(100);
        assertThat(stage.path("RouteSettings").size()).isEqualTo(1);
        String route = app.resources(app.serviceJson(), "AWS::ApiGatewayV2::Route").stream()
                .filter(r -> r.getValue().at("/Properties/RouteKey").asText().equals("POST /carrier-webhooks/{providerId}"))
                .findFirst().orElseThrow().getKey();
        JsonNode stageResource = app.resources(app.serviceJson(), "AWS::ApiGatewayV2::Stage").stream()
                .filter(r -> r.getValue().at("/Properties/ApiId/Ref").asText().equals(httpApiId()))
                .findFirst().orElseThrow().getValue();
        assertThat(stageResource.path("DependsOn").toString()).contains(route);
        assertThat(stage.at("/AccessLogSettings/DestinationArn/Fn::GetAtt/0").asText()).startsWith("HttpApiAccessLogs");
        assertThat(stage.at("/AccessLogSettings/Format").asText()).contains("$context.requestId")
                .doesNotContain("querystring").doesNotContain("header");
        app.service().hasResourceProperties("AWS::ApiGatewayV2::Integration", Map.of(
                "IntegrationType", "AWS_PROXY", "PayloadFormatVersion", "2.0"));
    }

    @Test
    void theOperatorApiIsAnotherApiWhoseEveryRouteNeedsIamAndGoesToOperatorApi() {
        Map<String, JsonNode> routes = routes(operatorApiId());
        assertThat(routes).containsOnlyKeys("GET /ops/v1/{proxy+}", "POST /ops/v1/{proxy+}", "PUT /ops/v1/{proxy+}",
                "DELETE /ops/v1/{proxy+}");
        routes.values().forEach(route -> {
            assertThat(route.path("AuthorizationType").asText()).isEqualTo("AWS_IAM");
            assertThat(integrationTarget(route)).startsWith("OperatorApiLive");
        });
        assertThat(routes(httpApiId()).keySet()).as("no operator route on the apps' API").noneMatch(key -> key.contains("/ops/"));
        JsonNode stage = stage(operatorApiId());
        assertThat(stage.at("/DefaultRouteSettings/ThrottlingRateLimit").asInt()).isEqualTo(10);
        assertThat(stage.at("/AccessLogSettings/Format").asText()).contains("$context.requestId");
        app.service().hasOutput("OperatorApiUrl", Match.anyValue());
        app.service().hasOutput("OperatorApiInvokeArn", Match.anyValue());
    }

    @Test
    void webSocketApiAuthorizesConnectWithRealtimeAuthorizerAndSendsEveryRouteToRealtime() {
        String api = webSocketApiId();
        Map<String, JsonNode> routes = routes(api);
        assertThat(routes).containsOnlyKeys("$connect", "$disconnect", "$default");
        routes.values().forEach(route -> assertThat(integrationTarget(route)).startsWith("RealtimeLive"));
        JsonNode connect = routes.get("$connect");
        assertThat(connect.path("AuthorizationType").asText()).isEqualTo("CUSTOM");
        JsonNode authorizer = app.serviceJson().at("/Resources/" + connect.at("/AuthorizerId/Ref").asText() + "/Properties");
        assertThat(authorizer.path("AuthorizerType").asText()).isEqualTo("REQUEST");
        assertThat(authorizer.path("IdentitySource").get(0).asText()).isEqualTo("route.request.querystring.token");
        assertThat(authorizer.at("/AuthorizerUri/Fn::Join/1").findValuesAsText("Ref"))
                .anyMatch(ref -> ref.startsWith("RealtimeAuthorizerLive"));
        assertThat(routes.get("$disconnect").path("AuthorizationType").asText()).isEqualTo("NONE");
        assertThat(routes.get("$default").path("RouteResponseSelectionExpression").asText())
                .as("the heartbeat reply reaches the app").isEqualTo("$default");
        assertThat(app.resources(app.serviceJson(), "AWS::ApiGatewayV2::RouteResponse")).hasSize(1);
        JsonNode stage = stage(api);
        assertThat(stage.path("StageName").asText()).isEqualTo("live");
        assertThat(stage.at("/DefaultRouteSettings/ThrottlingRateLimit").asInt()).isEqualTo(100);
        assertThat(stage.at("/AccessLogSettings/Format").asText()).contains("$context.connectionId")
                .doesNotContain("querystring");
    }

    @Test
    void callStateManagerMayManageConnectionsAndKnowsTheCallbackUrl() {
        JsonNode endpoint = FunctionsTest.environment("CallStateManager").at("/CALLING_REALTIME_ENDPOINT/Fn::Join/1");
        assertThat(endpoint.get(0).asText()).isEqualTo("https://");
        assertThat(endpoint.get(1).path("Ref").asText()).isEqualTo(webSocketApiId());
        assertThat(endpoint.get(endpoint.size() - 1).asText()).isEqualTo("/live");
    }

    @Test
    void realtimeAuthorizerVerifiesTokensOfTheSamePoolAndClientAsTheHttpApi() {
        JsonNode env = FunctionsTest.environment("RealtimeAuthorizer");
        JsonNode authorizer = jwtAuthorizer();
        assertThat(env.at("/CALLING_AUTH_ISSUER")).isEqualTo(authorizer.at("/JwtConfiguration/Issuer"));
        assertThat(env.at("/CALLING_AUTH_AUDIENCE")).isEqualTo(authorizer.at("/JwtConfiguration/Audience/0"));
    }

    @Test
    void noApiGatewayAccountSettingUnlessAskedFor() {
        app.service().resourceCountIs("AWS::ApiGateway::Account", 0);
        app.service().hasOutput("HttpApiUrl", Match.anyValue());
        app.service().hasOutput("RealtimeUrl", Match.anyValue());
        app.service().hasOutput("SipMediaHandlerArn", Map.of("Value", Map.of("Ref", Match.stringLikeRegexp("SipMediaHandlerLive.*"))));
    }

    private static String httpApiId() {
        return apiId("HttpApi");
    }

    private static String operatorApiId() {
        return apiId("OperatorHttpApi");
    }

    /** The HTTP API whose logical id starts so ({@code HttpApi}: the apps'; {@code OperatorHttpApi}: the operators'). */
    private static String apiId(String prefix) {
        return app.resources(app.serviceJson(), "AWS::ApiGatewayV2::Api").stream()
                .filter(api -> api.getValue().at("/Properties/ProtocolType").asText().equals("HTTP"))
                .map(Map.Entry::getKey).filter(id -> id.matches(prefix + "[0-9A-F]{8}")).findFirst().orElseThrow();
    }

    private static String webSocketApiId() {
        return app.resources(app.serviceJson(), "AWS::ApiGatewayV2::Api").stream()
                .filter(api -> api.getValue().at("/Properties/ProtocolType").asText().equals("WEBSOCKET"))
                .findFirst().orElseThrow().getKey();
    }

    private static Map<String, JsonNode> routes(String apiId) {
        return app.resources(app.serviceJson(), "AWS::ApiGatewayV2::Route").stream()
                .map(Map.Entry::getValue).map(r -> r.get("Properties"))
                .filter(r -> r.at("/ApiId/Ref").asText().equals(apiId))
                .collect(Collectors.toMap(r -> r.path("RouteKey").asText(), r -> r));
    }

    private static JsonNode stage(String apiId) {
        return app.resources(app.serviceJson(), "AWS::ApiGatewayV2::Stage").stream()
                .map(Map.Entry::getValue).map(s -> s.get("Properties"))
                .filter(s -> s.at("/ApiId/Ref").asText().equals(apiId)).findFirst().orElseThrow();
    }

    /** The logical id of the alias a route's integration invokes. */
    private static String integrationTarget(JsonNode route) {
        String integrationId = route.at("/Target/Fn::Join/1/1/Ref").asText();
        JsonNode uri = app.serviceJson().at("/Resources/" + integrationId + "/Properties/IntegrationUri");
        // HTTP APIs name the alias; WebSocket APIs its invocation ARN (arn:...:functions/<alias>/invocations).
        return uri.has("Ref") ? uri.get("Ref").asText() : uri.at("/Fn::Join/1").findValuesAsText("Ref").stream()
                .filter(ref -> !ref.startsWith("AWS::")).findFirst().orElse("");
    }

    private static JsonNode jwtAuthorizer() {
        List<JsonNode> found = app.resources(app.serviceJson(), "AWS::ApiGatewayV2::Authorizer").stream()
                .map(a -> a.getValue().get("Properties")).filter(a -> a.path("AuthorizerType").asText().equals("JWT"))
                .toList();
        assertThat(found).hasSize(1);
        return found.get(0);
    }
}
