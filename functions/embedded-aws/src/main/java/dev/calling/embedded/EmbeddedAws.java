package dev.calling.embedded;

import dev.calling.adapters.AwsClients;
import dev.calling.adapters.ResourceProvisioner;
import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.sqs.QueueArn;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * dynalite (DynamoDB, a Node.js process: {@link EmbeddedDynamoDb}) and ElasticMQ (SQS, in this JVM)
 * on free loopback ports, with every table and queue of {@link Resources} created. The real AWS SDK
 * clients reach them by endpoint override.
 *
 * <p>Queues are created with a short visibility timeout ({@link #DEFAULT_RETRY_AFTER}) so a failed
 * message is retried after seconds instead of a minute; everything else is as defined.
 */
public final class EmbeddedAws implements AutoCloseable {

    public static final String REGION = "us-east-1";
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(2);

    private final EmbeddedDynamoDb dynamoDbServer;
    private final SQSRestServer sqsServer;
    private final URI dynamoDbEndpoint;
    private final URI sqsEndpoint;
    private final AwsClients clients;
    private final Map<String, QueueDefinition> queues = new LinkedHashMap<>();
    private final Map<String, String> queueUrls = new LinkedHashMap<>();

    /**
     * ElasticMQ's and Pekko's own loggers, held so their level stays set (java.util.logging keeps loggers weakly):
     * their INFO lines (server started, every queue created, "Slf4jLogger started") are the emulator's chatter, not
     * the system's; warnings and errors still show. Through SLF4J they reach java.util.logging either way: by the JDK
     * binding, or by the JBoss LogManager as the JVM's LogManager (Quarkus tests).
     */
    private static final List<Logger> EMULATOR_LOGGERS = warningsOnly("org.elasticmq", "org.apache.pekko");

    private static List<Logger> warningsOnly(String... names) {
        List<Logger> loggers = java.util.Arrays.stream(names).map(Logger::getLogger).toList();
        loggers.forEach(logger -> logger.setLevel(Level.WARNING));
        return loggers;
    }

    private EmbeddedAws(Duration retryAfter, Path dynamoDbDirectory) throws Exception {
        System.setProperty("aws.region", REGION);
        dynamoDbServer = new EmbeddedDynamoDb(dynamoDbDirectory);
        int sqsPort = freePort();
        SQSRestServer sqsRest;
        try {
            sqsRest = SQSRestServerBuilder.withPort(sqsPort).withInterface("127.0.0.1").start();
            sqsRest.waitUntilStarted();
        } catch (RuntimeException e) {
            dynamoDbServer.close();
            throw e;
        }
        sqsServer = sqsRest;
        dynamoDbEndpoint = dynamoDbServer.endpoint();
        sqsEndpoint = URI.create("http://127.0.0.1:" + sqsPort);
        clients = new AwsClients(REGION, Optional.of(dynamoDbEndpoint), Optional.of(sqsEndpoint));

        try (DynamoDbClient dynamoDb = clients.dynamoDb(); SqsClient sqs = clients.sqs()) {
            ResourceProvisioner provisioner = new ResourceProvisioner(dynamoDb, sqs);
            Resources.TABLES.forEach(table -> provisioner.createTable(table.withoutTtl()));
            for (QueueDefinition queue : Resources.QUEUES) {
                QueueDefinition local = queue.withVisibilityTimeout(retryAfter);
                queues.put(queue.name(), local);
                queueUrls.put(queue.name(), provisioner.createQueue(local));
            }
        }
    }

    /** Starts both servers and creates every table and queue. */
    public static EmbeddedAws start() {
        return start(DEFAULT_RETRY_AFTER);
    }

    public static EmbeddedAws start(Duration retryAfter) {
        return start(retryAfter, null);
    }

    /**
     * Like {@link #start(Duration)}, but DynamoDB keeps its tables in a LevelDB directory
     * {@code dynamoDbDirectory} (which must exist and be empty; a tmpfs keeps it as fast as
     * in-memory) instead of in memory, so that {@link #restartDynamoDb} keeps the data, as DynamoDB
     * itself would.
     */
    public static EmbeddedAws start(Duration retryAfter, Path dynamoDbDirectory) {
        try {
            return new EmbeddedAws(retryAfter, dynamoDbDirectory);
        } catch (Exception e) {
            throw new IllegalStateException("embedded AWS did not start", e);
        }
    }

    /**
     * Stops DynamoDB, leaves it down for {@code down} (connections are refused), and starts it again
     * on the same port with the same data. Only for a stack started with a DynamoDB directory: an
     * in-memory one would come back empty.
     */
    public synchronized void restartDynamoDb(Duration down) {
        if (!dynamoDbServer.onDisk()) {
            throw new IllegalStateException("DynamoDB runs in memory: a restart would lose every table");
        }
        try {
            dynamoDbServer.restart(down);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new IllegalStateException("DynamoDB did not restart", e);
        }
    }

    public URI dynamoDbEndpoint() {
        return dynamoDbEndpoint;
    }

    public URI sqsEndpoint() {
        return sqsEndpoint;
    }

    /** Clients that reach the embedded servers; the caller closes them. */
    public AwsClients clients() {
        return clients;
    }

    public String queueUrl(QueueDefinition queue) {
        return queueUrls.get(queue.name());
    }

    public String deadLetterQueueUrl(QueueDefinition queue) {
        return queueUrls.get(queue.name()).replace(queue.name(), queue.deadLetterName());
    }

    /** The queue as this stack created it (with its local visibility timeout). */
    public QueueDefinition queue(QueueDefinition queue) {
        return queues.get(queue.name());
    }

    /**
     * For tests: every message now on the queue (waiting up to {@code firstWait} for the first),
     * deleted as read, since an undeleted FIFO message holds back the rest of its message group.
     */
    public java.util.List<Message> drain(SqsClient sqs, QueueDefinition queue, Duration firstWait) {
        String url = queueUrl(queue);
        java.util.List<Message> all = new java.util.ArrayList<>();
        while (true) {
            int wait = all.isEmpty() ? (int) firstWait.toSeconds() : 0;
            java.util.List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                    .waitTimeSeconds(wait).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            if (batch.isEmpty()) {
                return all;
            }
            batch.forEach(m -> sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle())));
            all.addAll(batch);
        }
    }

    public String queueArn(SqsClient sqs, QueueDefinition queue) {
        return QueueArn.of(sqs, queueUrl(queue));
    }

    /** The settings a function reads (see each function's application.properties). */
    public Map<String, String> functionConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("calling.aws.region", REGION);
        config.put("calling.aws.dynamodb-endpoint", dynamoDbEndpoint.toString());
        config.put("calling.aws.sqs-endpoint", sqsEndpoint.toString());
        config.put("calling.queues.call-state-changes", queueUrl(Resources.CALL_STATE_CHANGES));
        config.put("calling.queues.connection-events", queueUrl(Resources.CONNECTION_EVENTS));
        config.put("calling.queues.call-timers", queueUrl(Resources.CALL_TIMERS));
        config.put("calling.queues.switch-commands", queueUrl(Resources.SWITCH_COMMANDS));
        config.put("calling.queues.meeting-events", queueUrl(Resources.MEETING_EVENTS));
        config.put("calling.queues.call-pushes", queueUrl(Resources.CALL_PUSHES));
        return config;
    }

    @Override
    public void close() {
        try {
            sqsServer.stopAndWait();
        } finally {
            dynamoDbServer.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
