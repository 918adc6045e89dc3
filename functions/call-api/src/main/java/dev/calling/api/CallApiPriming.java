package dev.calling.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent.RequestContext;
import dev.calling.adapters.sqs.QueueArn;
import dev.calling.lambda.SnapStartPriming;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SnapStart priming. Quarkus starts the application during init (its SnapStart full warm-up), but
 * the beans are built on first use and the first AWS requests load most of the SDK, so the first
 * request after a restore took about ten times a warm one (docs/benchmarks.md, "Cold start") while
 * an app waits on it. Just before Lambda takes the snapshot this sends the API two read-only
 * requests of a user that never exists (list my calls, get a call: a query and a read, through the
 * same routing and JSON as a real request) and asks the FIFO queue for its ARN: nothing is written
 * or sent. A failure is logged and does not stop the snapshot.
 */
@ApplicationScoped
class CallApiPriming extends SnapStartPriming {

    @Inject
    CallApi api;

    @Inject
    SqsClient sqs;

    @ConfigProperty(name = "calling.queues.call-state-changes")
    String callStateChangesUrl;

    @Override
    protected String prime() {
        api.handle(get("/v1/calls"));
        api.handle(get("/v1/calls/" + NOBODY));
        QueueArn.of(sqs, callStateChangesUrl);
        return "two read-only API requests, queue attributes";
    }

    private static APIGatewayV2HTTPEvent get(String path) {
        return APIGatewayV2HTTPEvent.builder().withRawPath(path)
                .withRequestContext(RequestContext.builder().withRequestId(NOBODY).withStage("$default")
                        .withHttp(RequestContext.Http.builder().withMethod("GET").withPath(path).build())
                        .withAuthorizer(RequestContext.Authorizer.builder()
                                .withJwt(RequestContext.Authorizer.JWT.builder().withClaims(Map.of("sub", NOBODY)).build())
                                .build())
                        .build())
                .build();
    }
}
