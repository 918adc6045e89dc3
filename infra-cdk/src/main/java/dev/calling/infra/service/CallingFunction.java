package dev.calling.infra.service;

import dev.calling.infra.Nag;
import dev.calling.infra.PhysicalNames;
import dev.calling.infra.service.DataByName.BucketRef;
import dev.calling.infra.service.DataByName.QueueRef;
import dev.calling.infra.service.DataByName.TableRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.lambda.VersionOptions;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSourceProps;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * One Quarkus Lambda function of {@code functions/<module>}: Java 21 on arm64 (Graviton: cheaper
 * per GB-second, and Java runs as fast there), SnapStart on published versions behind the alias
 * {@code live} (everything invokes the alias, so every cold start restores a snapshot), its own
 * log group and its own role that starts empty: each {@code reads}/{@code writes}/{@code sendsTo}/
 * {@code consumes} adds exactly that permission and the environment variable naming the resource.
 */
public final class CallingFunction extends Construct {

    /** Quarkus's stream handler; {@code quarkus.lambda.handler} in the module picks the handler class. */
    public static final String HANDLER = "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest";
    public static final Runtime RUNTIME = Runtime.JAVA_21;
    /** AWS's advice for SQS event sources: visibility timeout at least six times the function timeout. */
    public static final int VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT = 6;

    static final List<String> READ_ACTIONS = List.of("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
            "dynamodb:ConditionCheckItem");
    /**
     * Writes are puts and updates; nothing here deletes items, scans or writes transactionally (the one delete,
     * PushSender's on its markers, is a statement of its own).
     */
    static final List<String> WRITE_ACTIONS = List.of("dynamodb:PutItem", "dynamodb:UpdateItem");

    /**
     * @param name the function's name, as in the code ({@code CallStateManager}); in AWS
     *        {@code calling-<stage>-call-state-manager}
     * @param module the Maven module under {@code functions/} whose zip it runs (one zip may serve
     *        two functions, told apart by {@code quarkus.lambda.handler})
     * @param memoryMb memory, which also buys CPU (1769 MB = one vCPU)
     * @param reservedConcurrency reserved concurrency: a cap that protects what is downstream and a
     *        guarantee that other functions cannot starve this one
     */
    public record Settings(String name, String module, String description, int memoryMb, Duration timeout,
            Optional<Integer> reservedConcurrency) {}

    /** An SQS event source mapping as configured, kept for the checks. */
    public record Consumption(QueueRef queue, int batchSize, int maxConcurrency) {}

    private final Settings settings;
    private final Role role;
    private final Function function;
    private final Alias alias;
    private final List<Consumption> consumptions = new ArrayList<>();
    /** The environment as set through {@link #env}, so that another function can share it. */
    private final Map<String, String> environment = new LinkedHashMap<>();

    public CallingFunction(Construct scope, String id, PhysicalNames names, Settings settings, FunctionCode code) {
        super(scope, id);
        this.settings = settings;
        LogGroup logs = LogGroup.Builder.create(this, "Logs")
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        role = Role.Builder.create(this, "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description(settings.name() + ": only its own tables, queues and actions")
                .build();
        // Instead of the AWSLambdaBasicExecutionRole managed policy: write to this log group only.
        logs.grantWrite(role);
        function = Function.Builder.create(this, "Function")
                .functionName(names.prefix() + "-" + kebab(settings.name()))
                .description(settings.description())
                .runtime(RUNTIME)
                .architecture(Architecture.ARM_64)
                .handler(HANDLER)
                .code(code.of(settings.module()))
                .memorySize(settings.memoryMb())
                .timeout(settings.timeout())
                .role(role)
                .logGroup(logs)
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                // Lambda records a segment per invocation; the functions' AWS SDK clients pass the trace on
                // (X-Amzn-Trace-Id: the SDK adds it inside Lambda), so a call is one trace from the API through
                // the call-state-changes queue (AWSTraceHeader) to the CallStateManager and what it sends on.
                .tracing(Tracing.ACTIVE)
                // The alias moves to each new version; the previous one is deleted once the deploy
                // succeeded (a rollback still finds it), so ~20 MB zips do not pile up in code storage.
                .currentVersionOptions(VersionOptions.builder().removalPolicy(RemovalPolicy.DESTROY).build())
                .reservedConcurrentExecutions(settings.reservedConcurrency().orElse(null))
                .build();
        Nag.suppress(function, "L1", "Java 21 is the newest Lambda Java runtime these Quarkus 3.34 functions are"
                + " built and tested for (the build targets Java 17 bytecode); java25 is a one-line change of"
                + " CallingFunction.RUNTIME once the functions are tested on it.");
        Nag.suppress(function, "Serverless-LambdaLatestVersion", "Java 21 is the newest Lambda Java runtime these"
                + " Quarkus 3.34 functions are built and tested for; java25 is a one-line change of"
                + " CallingFunction.RUNTIME once the functions are tested on it (the same as AwsSolutions-L1).");
        Nag.suppress(role, "IAM5", "xray:PutTraceSegments and xray:PutTelemetryRecords, which active tracing grants,"
                + " have no resource-level permissions: X-Ray's documentation requires Resource \"*\" for them.",
                List.of("Resource::*"));
        alias = Alias.Builder.create(this, "Live").aliasName("live").version(function.getCurrentVersion()).build();
        Annotations.of(function).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                "every change publishes a version behind the live alias, which everything invokes");
    }

    /** GetItem, BatchGetItem, Query (table and its indexes) and ConditionCheckItem on the table; sets its name. */
    public CallingFunction reads(TableRef table) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().actions(READ_ACTIONS).resources(table.arns()).build());
        return env(PhysicalNames.tableProperty(table.definition()), table.table().getTableName());
    }

    /** What {@link #reads} allows, plus PutItem and UpdateItem on the table. */
    public CallingFunction writes(TableRef table) {
        reads(table);
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().actions(WRITE_ACTIONS)
                .resources(List.of(table.table().getTableArn())).build());
        return this;
    }

    /**
     * Exactly {@code actions} on the table itself (none of its indexes), for a function that needs less than
     * {@link #reads} or {@link #writes} allow; sets its name.
     */
    public CallingFunction accesses(TableRef table, List<String> actions) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().actions(actions)
                .resources(List.of(table.table().getTableArn())).build());
        return env(PhysicalNames.tableProperty(table.definition()), table.table().getTableName());
    }

    /** DeleteItem on the table (on top of what {@link #writes} allows). */
    public CallingFunction deletesFrom(TableRef table) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().actions(List.of("dynamodb:DeleteItem"))
                .resources(List.of(table.table().getTableArn())).build());
        return this;
    }

    /**
     * UpdateItem on the table of {@code attributes} and the table's key alone (IAM's {@code dynamodb:Attributes});
     * the update may return only what it wrote ({@code dynamodb:ReturnValues}), so no other attribute is written or
     * read through it. Sets the table's name.
     */
    public CallingFunction updatesOnly(TableRef table, List<String> attributes) {
        List<String> allowed = new ArrayList<>(List.of(table.definition().partitionKey()));
        table.definition().sortKey().ifPresent(allowed::add);
        allowed.addAll(attributes);
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().actions(List.of("dynamodb:UpdateItem"))
                .resources(List.of(table.table().getTableArn()))
                .conditions(Map.of("ForAllValues:StringEquals", Map.of("dynamodb:Attributes", allowed),
                        "StringEqualsIfExists", Map.of("dynamodb:ReturnValues", List.of("NONE", "UPDATED_NEW"))))
                .build());
        return env(PhysicalNames.tableProperty(table.definition()), table.table().getTableName());
    }

    /** SendMessage on the queue; sets its URL. */
    public CallingFunction sendsTo(QueueRef queue) {
        queue.queue().grantSendMessages(role);
        return env(PhysicalNames.queueProperty(queue.definition()), queue.queue().getQueueUrl());
    }

    /**
     * SendMessage (only) on the queue's dead-letter queue: a message that can never be read goes there
     * at once instead of being retried. Sets the queue's URL, from which SqsDeadLetters derives the
     * dead-letter queue's: a consumer that never sends to its queue needs it for this alone.
     */
    public CallingFunction sendsUnreadableToDeadLetterQueueOf(QueueRef queue) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().actions(List.of("sqs:SendMessage"))
                .resources(List.of(queue.deadLetterQueue().getQueueArn())).build());
        return env(PhysicalNames.queueProperty(queue.definition()), queue.queue().getQueueUrl());
    }

    /** Sets the bucket's name; the caller grants the object actions it needs. */
    public CallingFunction uses(BucketRef bucket, PolicyStatement objectAccess) {
        role.addToPrincipalPolicy(objectAccess);
        return env(PhysicalNames.bucketProperty(bucket.definition()), bucket.bucket().getBucketName());
    }

    /**
     * An SQS event source mapping on the alias, with partial batch responses (the handlers report
     * failed messages, so one bad message does not replay its batch). {@code maxConcurrency} caps
     * how many instances this queue may keep busy. Refuses a queue whose visibility timeout is
     * shorter than six times this function's timeout: a message would come back while still in work.
     */
    public CallingFunction consumes(QueueRef queue, int batchSize, int maxConcurrency) {
        long visibility = queue.definition().visibilityTimeout().toSeconds();
        long timeout = settings.timeout().toSeconds().longValue();
        if (visibility < VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT * timeout) {
            throw new IllegalStateException(settings.name() + " times out after " + timeout + " s but "
                    + queue.definition().name() + " hides a message for only " + visibility + " s; it needs at least "
                    + VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT * timeout + " s (Resources.java)");
        }
        alias.addEventSource(new SqsEventSource(queue.queue(), SqsEventSourceProps.builder()
                .batchSize(batchSize)
                .reportBatchItemFailures(true)
                .maxConcurrency(maxConcurrency)
                .build()));
        consumptions.add(new Consumption(queue, batchSize, maxConcurrency));
        Nag.suppress(alias, "Serverless-LambdaEventSourceMappingDestination", "An SQS event source takes no on-failure"
                + " destination (Lambda offers them for stream and Kafka sources): a message that keeps failing goes to"
                + " the queue's own dead-letter queue after maxReceiveCount, by the queue's redrive policy, and alarms.");
        return this;
    }

    /**
     * Why the function needs no dead-letter queue of its own (Serverless-LambdaDLQ): Lambda uses one only for
     * asynchronous invocations, so the reason says how the function is invoked and where its failures go.
     */
    public CallingFunction noDeadLetterQueue(String why) {
        Nag.suppress(function, "Serverless-LambdaDLQ", why);
        return this;
    }

    /** Sets a configuration property through its MicroProfile environment variable. */
    public CallingFunction env(String property, String value) {
        String variable = PhysicalNames.environmentVariable(property);
        function.addEnvironment(variable, value);
        environment.put(variable, value);
        return this;
    }

    /**
     * The variables of {@code other}'s environment that {@code shared} accepts, as they are now (set
     * later on {@code other}, a variable is not copied): for a function running another handler of the
     * same package, whose application needs the same configuration to start. Grants nothing.
     */
    public CallingFunction sharesEnvironmentOf(CallingFunction other, Predicate<String> shared) {
        other.environment.forEach((variable, value) -> {
            if (shared.test(variable)) {
                function.addEnvironment(variable, value);
                environment.put(variable, value);
            }
        });
        return this;
    }

    /** The environment variables set so far, by name, in the order they were set. */
    public Map<String, String> environment() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    }

    /** A statement the generic methods do not cover (Chime, API Gateway Management API). */
    public CallingFunction allow(PolicyStatement statement) {
        role.addToPrincipalPolicy(statement);
        return this;
    }

    public Settings settings() {
        return settings;
    }

    public Function function() {
        return function;
    }

    /** What everything invokes: the published version with its SnapStart snapshot. */
    public Alias alias() {
        return alias;
    }

    public Role role() {
        return role;
    }

    public List<Consumption> consumptions() {
        return List.copyOf(consumptions);
    }

    /** The largest number of instances this function's event sources may run, or empty if it has none. */
    public Optional<Integer> eventSourceConcurrency() {
        return consumptions.isEmpty() ? Optional.empty()
                : Optional.of(consumptions.stream().mapToInt(Consumption::maxConcurrency).sum());
    }

    /** {@code CallStateManager} to {@code call-state-manager}: function names read like the modules. */
    static String kebab(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** Timeout a consumer of these queues can have: a sixth of the shortest visibility timeout. */
    public static Duration timeoutForQueues(QueueRef... queues) {
        long shortest = java.util.Arrays.stream(queues).mapToLong(q -> q.definition().visibilityTimeout().toSeconds())
                .min().orElseThrow();
        return Duration.seconds(shortest / VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT);
    }
}
