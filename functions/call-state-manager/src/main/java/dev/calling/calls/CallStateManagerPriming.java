package dev.calling.calls;

import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.sqs.QueueArn;
import dev.calling.adapters.sqs.SqsTimers;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallStateManager;
import dev.calling.lambda.SnapStartPriming;
import io.quarkus.arc.ClientProxy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SnapStart priming. Quarkus starts the application during init (its SnapStart full warm-up), but
 * the beans are built on first use (here with the price plans and every carrier's rate deck) and
 * the first AWS requests load most of the SDK, so the first event after a restore took about ten
 * times a warm one (docs/benchmarks.md, "Cold start"). Just before Lambda takes the snapshot this
 * builds the call state manager, round-trips a call event through the JSON mapping, reads a call
 * and a user's sessions that never exist and asks the FIFO queue for its ARN: reads only, nothing
 * is written or sent. A failure is logged and does not stop the snapshot.
 */
@ApplicationScoped
class CallStateManagerPriming extends SnapStartPriming {

    @Inject
    CallStateManager manager;

    @Inject
    SqsTimers timers;

    @Inject
    DynamoDbClient dynamoDb;

    @Inject
    SqsClient sqs;

    @ConfigProperty(name = "calling.tables.calls")
    String callsTable;

    @ConfigProperty(name = "calling.tables.sessions")
    String sessionsTable;

    @ConfigProperty(name = "calling.queues.call-state-changes")
    String callStateChangesUrl;

    @Override
    protected String prime() {
        ClientProxy.unwrap(manager);
        ClientProxy.unwrap(timers);
        Json.readCallEvent(Json.write(
                new CallRequested(NOBODY, NOBODY, Instant.now(), NOBODY, NOBODY, NOBODY + "-callee", null)));
        new DynamoDbCallStore(dynamoDb, callsTable).find(NOBODY);
        new DynamoDbSessionStore(dynamoDb, sessionsTable).sessionsOf(NOBODY);
        QueueArn.of(sqs, callStateChangesUrl);
        return "beans, event JSON, call read, sessions query, queue attributes";
    }
}
