package dev.calling.adapters.sqs;

import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CarrierPort;
import dev.calling.core.call.SwitchPort;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The VoIP switch port as a queue: commands go to the {@code switch-commands} FIFO queue, in order
 * per call, for the switch fleet (the simulated switch locally) to carry out. Locally it also
 * stands in for the PSTN carriers (the simulated switch plays them); in AWS each carrier has its
 * own adapter behind {@link CarrierPort}. The deduplication id
 * is the hash of the command itself, so a command re-issued after a redelivery is dropped by SQS
 * within five minutes and is harmless after that (the switch treats commands idempotently).
 */
public final class SqsSwitchCommands implements SwitchPort, CarrierPort {

    private final SqsClient sqs;
    private final String queueUrl;

    public SqsSwitchCommands(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public void ring(CallCommand.RingCallee command) {
        send(command);
    }

    @Override
    public void bridge(CallCommand.BridgeConnections command) {
        send(command);
    }

    @Override
    public void release(CallCommand.ReleaseConnection command) {
        send(command);
    }

    @Override
    public void dial(CallCommand.DialNumber command) {
        send(command);
    }

    @Override
    public void bridge(CallCommand.BridgeToNumber command) {
        send(command);
    }

    @Override
    public void hangUp(CallCommand.HangUpNumber command) {
        send(command);
    }

    @Override
    public void check(CallCommand.CheckNumber command) {
        send(command);
    }

    private void send(CallCommand command) {
        String body = Json.write(command);
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body).messageGroupId(command.callId())
                .messageDeduplicationId(DeduplicationIds.sha256(body)));
    }
}
