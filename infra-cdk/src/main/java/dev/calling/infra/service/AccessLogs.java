package dev.calling.infra.service;

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
