package dev.calling.push.sns;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.json.MalformedMessage;
import dev.calling.adapters.lambda.LogContext;
import dev.calling.adapters.lambda.SqsBatchProcessor;
import dev.calling.adapters.sqs.SqsDeadLetters;
import dev.calling.core.call.CallCommand;
import jakarta.inject.Inject;
import java.time.Instant;
import jakarta.inject.Named;

/**
 * The PushSender Lambda: consumes the {@code call-pushes} queue, one {@link CallCommand.PushCallee} per
 * message, and sends it ({@link PushSender}). A message whose pushes failed for a passing reason is reported
 * failed alone (partial batch response) and delivered again; one that cannot be read goes straight to the
 * dead-letter queue.
 */
@Named("PushSender")
public class PushSenderHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private final PushSender sender;
    private final SqsBatchProcessor batch;

    @Inject
    public PushSenderHandler(PushSender sender, SqsDeadLetters deadLetters) {
        this.sender = sender;
        this.batch = new SqsBatchProcessor("PushSender", Resources.CALL_PUSHES.maxReceiveCount(), deadLetters);
    }

    /**
     * Each command is sent only to the devices whose push can end before the invocation does (its remaining
     * time, read once at the start): a push cut off by the Lambda timeout would keep its marker and never be
     * sent again, while a deferred one is sent when SQS delivers the command again.
     */
    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        Instant deadline = deadline(context, Instant.now());
        return batch.process(event, context, message -> {
            CallCommand.PushCallee push = pushOf(message.getBody());
            LogContext.call(push.callId());
            sender.handle(push, deadline);
        });
    }

    /**
     * When the invocation ends. Lambda runs a function only while its remaining time is positive; a runtime that
     * names no deadline (no context, or Quarkus's test event server, whose context counts down from 0) gets none.
     */
    static Instant deadline(Context context, Instant now) {
        int remaining = context == null ? 0 : context.getRemainingTimeInMillis();
        return remaining > 0 ? now.plusMillis(remaining) : Instant.MAX;
    }

    static CallCommand.PushCallee pushOf(String body) {
        CallCommand command = Json.readCallCommand(body);
        if (command instanceof CallCommand.PushCallee push) {
            return push;
        }
        throw new MalformedMessage("push command",
                new IllegalArgumentException("a " + command.getClass().getSimpleName() + " is not a PushCallee"));
    }
}
