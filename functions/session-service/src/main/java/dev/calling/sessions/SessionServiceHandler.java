package dev.calling.sessions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.lambda.SqsBatchProcessor;
import dev.calling.core.session.SessionService;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/** The SessionService Lambda: a batch from the {@code connection-events} queue in, partial batch failures out. */
@Named("SessionService")
public class SessionServiceHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private final SessionService sessions;
    private final SqsBatchProcessor batch =
            new SqsBatchProcessor("SessionService", Resources.CONNECTION_EVENTS.maxReceiveCount());

    @Inject
    public SessionServiceHandler(SessionService sessions) {
        this.sessions = sessions;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return batch.process(event, context, message -> sessions.handle(Json.readConnectionEvent(message.getBody())));
    }
}
