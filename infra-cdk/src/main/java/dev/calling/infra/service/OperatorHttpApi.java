package dev.calling.infra.service;

import java.util.List;
import software.amazon.awscdk.aws_apigatewayv2_authorizers.HttpIamAuthorizer;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegrationProps;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.apigatewayv2.HttpStage;
import software.amazon.awscdk.services.apigatewayv2.PayloadFormatVersion;
import software.constructs.Construct;

/**
 * The operators' HTTP API (payload format 2.0), apart from the apps': every route is IAM-authorised (SigV4, the
 * caller needs {@code execute-api:Invoke} on it), so no app token can reach it and the OperatorApi learns who
 * called from the authorizer's {@code userArn}. A separate API keeps its URL, throttle and access log apart from the
 * apps' traffic, and leaves the apps' API without a single IAM route to get wrong.
 */
public final class OperatorHttpApi extends Construct {

    /** Every path under /ops/v1 goes to OperatorApi, which answers 404 for a path it does not know. */
    public static final String OPERATOR_ROUTE = "/ops/v1/{proxy+}";
    /** Operators are few; a script gone wrong must not hammer the ledger. */
    static final int RATE_LIMIT = 10;
    static final int BURST_LIMIT = 20;

    private final HttpApi api;
    private final HttpStage stage;

    public OperatorHttpApi(Construct scope, String id, String apiName, CallingFunction operatorApi) {
        super(scope, id);
        api = HttpApi.Builder.create(this, "Api")
                .apiName(apiName)
                .description("Calling: the operators' API (IAM-authorised): top-ups, adjustments, PSTN blocks, rate decks")
                .defaultAuthorizer(new HttpIamAuthorizer())
                .createDefaultStage(false)
                .build();
        stage = AccessLogs.httpStage(this, api, RATE_LIMIT, BURST_LIMIT);
        api.addRoutes(AddRoutesOptions.builder()
                .path(OPERATOR_ROUTE)
                .methods(List.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE))
                .integration(new HttpLambdaIntegration("OperatorApi", operatorApi.alias(), HttpLambdaIntegrationProps
                        .builder().payloadFormatVersion(PayloadFormatVersion.VERSION_2_0).build()))
                .build());
    }

    public HttpApi api() {
        return api;
    }

    /** {@code https://<id>.execute-api.<region>.amazonaws.com/} */
    public String url() {
        return stage.getUrl();
    }

    /** The ARN pattern an operator's IAM policy allows {@code execute-api:Invoke} on: every operator route. */
    public String invokeArn() {
        return api.arnForExecuteApi("*", "/ops/v1/*", "$default");
    }
}
