package dev.calling.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * What a Lambda SQS event source mapping does, for the local run and the tests: long-poll the
 * queue, hand the messages to the function as one {@link SQSEvent} in Lambda's shape, delete
 * those the function did not report in {@code batchItemFailures}, and leave the rest to come back
 * after the visibility timeout (and, past the queue's max receive count, to its dead-letter queue).
 * A handler that throws fails the whole batch, as in Lambda.
 */
public final class QueueEventSource implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(QueueEventSource.class.getName());

    private final String name;
    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final RequestHandler<SQSEvent, SQSBatchResponse> function;
    private final int batchSize;
    private final List<Thread> pollers;
    private final AtomicLong invocations = new AtomicLong();
    private volatile boolean running = true;

    /**
     * @param concurrency parallel pollers (Lambda's concurrent invocations); FIFO order per message
     *     group holds because the queue never hands one group to two pollers at once
     */
    public QueueEventSource(String name, SqsClient sqs, String queueUrl, String queueArn,
            RequestHandler<SQSEvent, SQSBatchResponse> function, int batchSize, int concurrency) {
        this.name = name;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
        this.function = function;
        this.batchSize = batchSize;
        this.pollers = java.util.stream.IntStream.range(0, concurrency)
                .mapToObj(i -> {
                    Thread poller = new Thread(this::pollLoop, name + "-poller-" + i);
                    poller.setDaemon(true);
                    return poller;
                }).toList();
        pollers.forEach(Thread::start);
    }

    public long invocations() {
        return invocations.get();
    }

    private void pollLoop() {
        while (running) {
            try {
                List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(batchSize)
                        .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
                if (!messages.isEmpty() && running) {
                    invoke(messages);
                }
            } catch (RuntimeException e) {
                if (running) {
                    LOG.log(Level.WARNING, name + ": poll failed, retrying: " + e);
                    sleep(200);
                }
            }
        }
    }

    private void invoke(List<Message> messages) {
        invocations.incrementAndGet();
        SQSBatchResponse response;
        try {
            response = function.handleRequest(toEvent(messages), new LocalContext(name));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, name + ": invocation failed, the whole batch will be retried: " + e);
            return;
        }
        Set<String> failed = new HashSet<>();
        if (response != null && response.getBatchItemFailures() != null) {
            response.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
        }
        List<DeleteMessageBatchRequestEntry> done = messages.stream().filter(m -> !failed.contains(m.messageId()))
                .map(m -> DeleteMessageBatchRequestEntry.builder().id(m.messageId()).receiptHandle(m.receiptHandle()).build())
                .toList();
        if (!done.isEmpty()) {
            sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(done));
        }
    }

    private SQSEvent toEvent(List<Message> messages) {
        SQSEvent event = new SQSEvent();
        event.setRecords(messages.stream().map(m -> {
            SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
            record.setMessageId(m.messageId());
            record.setReceiptHandle(m.receiptHandle());
            record.setBody(m.body());
            record.setMd5OfBody(m.md5OfBody());
            Map<String, String> attributes = new HashMap<>();
            m.attributes().forEach((k, v) -> attributes.put(k.toString(), v));
            record.setAttributes(attributes);
            record.setMessageAttributes(Map.of());
            record.setEventSource("aws:sqs");
            record.setEventSourceArn(queueArn);
            record.setAwsRegion("us-east-1");
            return record;
        }).toList());
        return event;
    }

    @Override
    public void close() {
        running = false;
        for (Thread poller : pollers) {
            try {
                poller.join(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
