package dev.calling.infra.service;

import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpStage;
import software.amazon.awscdk.services.apigatewayv2.ThrottleSettings;

import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogDestination;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogSettings;
import software.amazon.awscdk.services.apigatewayv2.LogGroupLogDestination;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * Access logs of an API stage, one JSON line per request. Deliberately without query strings or
 * headers: the WebSocket {@code $connect} carries the user's token in its query string.
 */
final class AccessLogs {

    static final String HTTP_FORMAT = "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\","
            + "\"requestTime\":\"$context.requestTime\",\"routeKey\":\"$context.routeKey\",\"status\":\"$context.status\","
            + "\"protocol\":\"$context.protocol\",\"responseLength\":\"$context.responseLength\","
            + "\"latency\":\"$context.responseLatency\",\"integrationError\":\"$context.integrationErrorMessage\"}";

    static final String WEBSOCKET_FORMAT = "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\","
            + "\"requestTime\":\"$context.requestTime\",\"routeKey\":\"$context.routeKey\",\"eventType\":\"$context.eventType\","
            + "\"connectionId\":\"$context.connectionId\",\"status\":\"$context.status\","
            + "\"integrationError\":\"$context.integrationErrorMessage\"}";

    private AccessLogs() {}

    /**
     * An HTTP API's {@code $default} stage, deployed on every change, throttled per route to {@code rateLimit}
     * requests/s (burst {@code burstLimit}), access-logged to a log group of its own ({@code <scope>/AccessLogs}).
     */
    static HttpStage httpStage(Construct scope, HttpApi api, int rateLimit, int burstLimit) {
        return HttpStage.Builder.create(scope, "DefaultStage")
                .httpApi(api)
                .stageName("$default")
                .autoDeploy(true)
                .throttle(ThrottleSettings.builder().rateLimit(rateLimit).burstLimit(burstLimit).build())
                .accessLogSettings(to(scope, "AccessLogs", HTTP_FORMAT))
                .build();
    }

    static IAccessLogSettings to(Construct scope, String id, String format) {
        LogGroup group = LogGroup.Builder.create(scope, id).retention(RetentionDays.THREE_MONTHS)
                .removalPolicy(RemovalPolicy.DESTROY).build();
        return new IAccessLogSettings() {
            @Override
            public IAccessLogDestination getDestination() {
                return new LogGroupLogDestination(group);
            }

            @Override
            public AccessLogFormat getFormat() {
                return AccessLogFormat.custom(format);
            }
        };
    }
}
