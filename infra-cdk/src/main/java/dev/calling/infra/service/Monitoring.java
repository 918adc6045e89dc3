package dev.calling.infra.service;

import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.abuse.EventBridgeLimitAlerts;
import dev.calling.infra.Nag;
import dev.calling.infra.PhysicalNames;
import dev.calling.infra.service.DataByName.QueueRef;
import dev.calling.infra.service.DataByName.TableRef;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.events.EventField;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.IRule;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.RuleTargetInput;
import software.amazon.awscdk.services.events.targets.SnsTopic;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.sqs.IQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.constructs.Construct;

/**
 * The alarms, all published to one SNS topic: any message in a dead-letter queue, a queue whose
 * oldest message waits too long (its consumer is failing or cannot keep up), and a function that
 * errors or (where concurrency is reserved) is throttled.
 */
public final class Monitoring extends Construct {

    private final Topic topic;
    private final SnsAction notify;
    private Queue limitAlertsDeadLetters;

    public Monitoring(Construct scope, String id, String topicName, Optional<String> email) {
        super(scope, id);
        topic = Topic.Builder.create(this, "Alarms").topicName(topicName).enforceSsl(true).build();
        // enforceSsl makes a topic policy, and a topic policy replaces SNS's default one (which let the
        // account's services publish): without this statement CloudWatch may not publish and every alarm is
        // silent. Only this account's alarms (the confused-deputy guard AWS documents for CloudWatch).
        topic.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("CloudWatchAlarmsOfThisAccount")
                .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                .actions(List.of("sns:Publish"))
                .resources(List.of(topic.getTopicArn()))
                .conditions(Map.of(
                        "StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID),
                        "ArnLike", Map.of("aws:SourceArn", "arn:" + Aws.PARTITION + ":cloudwatch:" + Aws.REGION + ":"
                                + Aws.ACCOUNT_ID + ":alarm:*")))
                .build());
        email.ifPresent(address -> topic.addSubscription(new EmailSubscription(address)));
        Nag.suppress(topic, "Serverless-SNSRedrivePolicy", "The alarm e-mail subscription: SNS retries an e-mail"
                + " delivery itself, and an alarm whose notification was lost is still in ALARM in CloudWatch and on the"
                + " dashboard; a dead-letter queue of alarm notifications would need watching through this same topic.");
        // Not KMS-encrypted: CloudWatch cannot publish to a topic under the AWS-managed SNS key, and
        // alarm notifications carry alarm names and states only.
        notify = new SnsAction(topic);
    }

    /**
     * How long a queue's oldest message may wait before someone should look. A new queue in
     * Resources gets the default.
     */
    static Duration oldestMessageLimit(QueueDefinition queue) {
        if (queue.name().equals(Resources.CALL_STATE_CHANGES.name())) {
            return Duration.minutes(2); // a ringing call waits on these: minutes of backlog are broken calls
        }
        if (queue.name().equals(Resources.CONNECTION_EVENTS.name())) {
            return Duration.seconds(90); // a connection's TTL: older heartbeats already expired its session
        }
        if (queue.name().equals(Resources.MEETING_EVENTS.name())) {
            return Duration.minutes(2); // a hang-up or lost media waits on these: the other party is still "in" the call
        }
        if (queue.name().equals(Resources.CALL_PUSHES.name())) {
            return Duration.minutes(2); // a ring push is worth something only while the call rings
        }
        if (queue.name().equals(Resources.CALL_TIMERS.name())) {
            return Duration.minutes(20); // timers wait up to SQS's 15-minute delay on purpose
        }
        return Duration.minutes(5);
    }

    public void watch(QueueRef queue) {
        String name = PhysicalNames.pascal(queue.definition().name());
        watchDeadLetters(name + "DeadLetters", queue.deadLetterQueue(),
                "A message of " + queue.definition().name() + " failed " + queue.definition().maxReceiveCount()
                        + " times and is in " + queue.definition().deadLetterName() + ": read its log line, fix, redrive");
        Duration limit = oldestMessageLimit(queue.definition());
        alarm(name + "OldestMessage", queue.queue().metricApproximateAgeOfOldestMessage(
                MetricOptions.builder().statistic("Maximum").period(Duration.minutes(1)).build()),
                limit.toSeconds().doubleValue(), 2,
                "The oldest message of " + queue.definition().name() + " is older than " + limit.toHumanString()
                        + ": its consumer fails or cannot keep up");
    }

    /** Any message in a dead-letter queue (a queue's, or an EventBridge target's) alarms at once. */
    public void watchDeadLetters(String id, IQueue deadLetterQueue, String description) {
        alarm(id, deadLetterQueue.metricApproximateNumberOfMessagesVisible(
                MetricOptions.builder().statistic("Maximum").period(Duration.minutes(1)).build()), 0, 1, description);
    }

    public void watch(CallingFunction function) {
        String name = function.settings().name();
        alarm(name + "Errors", function.function().metricErrors(MetricOptions.builder().statistic("Sum")
                .period(Duration.minutes(5)).build()), 0, 1, name + " failed an invocation (errors or timeouts)");
        if (function.settings().reservedConcurrency().isPresent()) {
            alarm(name + "Throttles", function.function().metricThrottles(MetricOptions.builder().statistic("Sum")
                    .period(Duration.minutes(5)).build()), 0, 1,
                    name + " hit its reserved concurrency: work is waiting");
        }
    }

    /** Any 5xx answer of the HTTP API (CallApi, the carriers' webhooks), in 5 minutes. */
    public void watch(PublicHttpApi api) {
        alarm("HttpApiServerErrors", api.api().metricServerError(MetricOptions.builder().statistic("Sum")
                .period(Duration.minutes(5)).build()), 0, 1,
                "The HTTP API answered 5xx (CallApi or CarrierWebhook failed, timed out or was throttled): see their"
                        + " logs and the API's access log");
    }

    /** Any WebSocket request API Gateway failed to hand to Realtime or its authorizer (the 5xx of a WebSocket API). */
    public void watch(RealtimeApi api) {
        alarm("RealtimeApiExecutionErrors", api.stage().metric("ExecutionError", MetricOptions.builder()
                .statistic("Sum").period(Duration.minutes(5)).build()), 0, 1,
                "The WebSocket API failed to run a connect, disconnect or message (Realtime or RealtimeAuthorizer"
                        + " failed or was throttled): see their logs and the stage's access log");
    }

    /**
     * A table that throttles reads or writes (on demand, only past its account or partition limits): the SDK
     * retries, then the caller's operation fails. One alarm per table, so it names the table.
     */
    public void watch(TableRef table) {
        String name = PhysicalNames.pascal(table.definition().name());
        alarm(name + "Throttles", throttleEvents(table.table().getTableName(), name), 0, 1,
                "DynamoDB throttled requests on " + table.definition().name()
                        + ": a hot key or the account's table limits; failed calls follow if it persists");
    }

    /** Read and write throttle events of a table, summed over 5 minutes. */
    static MathExpression throttleEvents(String tableName, String label) {
        MetricOptions sum = MetricOptions.builder().statistic("Sum").period(Duration.minutes(5)).build();
        String key = metricId(label); // unique per table: a graph of all tables holds every table's pair
        return MathExpression.Builder.create().expression(key + "Reads + " + key + "Writes")
                .label(label + " throttle events")
                .period(Duration.minutes(5))
                .usingMetrics(Map.of(
                        key + "Reads", dynamoDb("ReadThrottleEvents", tableName, sum),
                        key + "Writes", dynamoDb("WriteThrottleEvents", tableName, sum)))
                .build();
    }

    private static Metric dynamoDb(String metric, String tableName, MetricOptions options) {
        return Metric.Builder.create().namespace("AWS/DynamoDB").metricName(metric)
                .dimensionsMap(Map.of("TableName", tableName)).statistic(options.getStatistic())
                .period(options.getPeriod()).build();
    }

    /** Below this many pushes in 5 minutes the failure share is not judged (one stale token is no outage). */
    static final int PUSH_MINIMUM = 10;
    /** The share of pushes SNS could not deliver (per platform application) that alarms, in percent. */
    static final int PUSH_FAILURE_PERCENT = 25;

    /**
     * Pushes SNS could not hand to APNs or FCM, per platform application (an expired APNs key or FCM credential
     * fails them all): more than {@value #PUSH_FAILURE_PERCENT} % of at least {@value #PUSH_MINIMUM} in two
     * 5-minute periods in a row. SNS's {@code NumberOfNotificationsFailed} by {@code Application} and
     * {@code Platform}; a few failures are normal (uninstalled apps' tokens).
     */
    public void watchPushApplication(String applicationArn) {
        String[] parts = applicationArn.substring(applicationArn.indexOf(":app/") + 5).split("/", 2);
        String platform = parts[0];
        String application = parts[1];
        alarm("Push" + PhysicalNames.pascal(application)
                        + PhysicalNames.pascal(platform.toLowerCase(java.util.Locale.ROOT)) + "Failures",
                pushFailurePercent(application, platform), PUSH_FAILURE_PERCENT, 2,
                "More than " + PUSH_FAILURE_PERCENT + " % of the pushes to " + platform + " application " + application
                        + " failed: check its credential (APNs key, FCM service account) and the PushSender's log");
    }

    static MathExpression pushFailurePercent(String application, String platform) {
        Map<String, String> dimensions = Map.of("Application", application, "Platform", platform);
        String delivered = metricId(application + platform) + "Delivered";
        String failed = metricId(application + platform) + "Failed";
        return MathExpression.Builder.create()
                .expression("IF(" + delivered + " + " + failed + " >= " + PUSH_MINIMUM + ", 100 * " + failed + " / ("
                        + delivered + " + " + failed + "), 0)")
                .label(application + " push failures %").period(Duration.minutes(5))
                .usingMetrics(Map.of(
                        delivered, sns("NumberOfNotificationsDelivered", dimensions),
                        failed, sns("NumberOfNotificationsFailed", dimensions)))
                .build();
    }

    /** Below this many attempts of a carrier in 5 minutes its failure share is not judged. */
    static final int CARRIER_MINIMUM = 10;
    /** The share of a carrier's attempts that failed at the carrier (not unanswered, not busy) that alarms, in %. */
    static final int CARRIER_FAILURE_PERCENT = 25;

    /**
     * A carrier whose attempts fail: more than {@value #CARRIER_FAILURE_PERCENT} % of at least
     * {@value #CARRIER_MINIMUM} in two 5-minute periods in a row (its API down, credentials rejected, numbers
     * refused). The CallStateManager's {@code Calling/CarrierAttempts} and {@code Calling/CarrierFailures} by
     * {@code Carrier} (EmfCallMetrics, one line per attempt of an ended PSTN call); routing moves calls to other
     * carriers, so this alarm is often the only sign.
     */
    public void watchCarrier(String carrierId) {
        alarm("Carrier" + PhysicalNames.pascal(carrierId) + "Failures", carrierFailurePercent(carrierId),
                CARRIER_FAILURE_PERCENT, 2, "More than " + CARRIER_FAILURE_PERCENT + " % of carrier " + carrierId
                        + "'s attempts failed at the carrier: check its status, credentials and the CallStateManager's log");
    }

    /**
     * A carrier rate deck an operator scheduled that a CallStateManager cannot price calls with (deleted, changed,
     * S3 refusing, in another currency than the carrier's packaged deck): routing falls back to an earlier deck, so
     * calls go on, but at prices the operator meant to replace. {@code Calling/RateDecksUnusable}, counted by
     * {@code ScheduledRateDecks} at most once per deck, container and refresh; any in 5 minutes alarms. Only with
     * carriers (a VoIP-only deployment schedules no deck).
     */
    public void watchScheduledRateDecks() {
        alarm("ScheduledRateDecksUnusable", Metric.Builder.create().namespace(EventBridgeLimitAlerts.NAMESPACE)
                        .metricName("RateDecksUnusable").statistic("Sum").period(Duration.minutes(5)).build(), 0, 1,
                "A scheduled carrier rate deck cannot price calls (its object gone or changed, S3 refusing, or another"
                        + " currency than the carrier's packaged deck): calls are routed by an earlier deck. The"
                        + " CallStateManager's ERROR lines and the metric's Carrier dimension say which deck; schedule a"
                        + " good one (PUT /ops/v1/carriers/{carrierId}/rate-deck)");
    }

    static MathExpression carrierFailurePercent(String carrierId) {
        String attempts = metricId(carrierId) + "Attempts";
        String failures = metricId(carrierId) + "Failures";
        Map<String, String> dimensions = Map.of("Carrier", carrierId);
        return MathExpression.Builder.create()
                .expression("IF(" + attempts + " >= " + CARRIER_MINIMUM + ", 100 * " + failures + " / " + attempts + ", 0)")
                .label(carrierId + " failures %").period(Duration.minutes(5))
                .usingMetrics(Map.of(
                        attempts, calling("CarrierAttempts", dimensions),
                        failures, calling("CarrierFailures", dimensions)))
                .build();
    }

    private static Metric calling(String metric, Map<String, String> dimensions) {
        return Metric.Builder.create().namespace(EventBridgeLimitAlerts.NAMESPACE).metricName(metric)
                .dimensionsMap(dimensions).statistic("Sum").period(Duration.minutes(5)).build();
    }

    /** A metric math id (a lowercase letter, then letters, digits, underscores) made from a name. */
    static String metricId(String name) {
        String pascal = PhysicalNames.pascal(name.replaceAll("[^A-Za-z0-9_.-]", "-"));
        return "m" + pascal.replaceAll("[^A-Za-z0-9_]", "");
    }

    private static Metric sns(String metric, Map<String, String> dimensions) {
        return Metric.Builder.create().namespace("AWS/SNS").metricName(metric).dimensionsMap(dimensions)
                .statistic("Sum").period(Duration.minutes(5)).build();
    }

    private void alarm(String id, IMetric metric, double threshold, int periods, String description) {
        Alarm alarm = Alarm.Builder.create(this, id)
                .metric(metric)
                .threshold(threshold)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .evaluationPeriods(periods)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .alarmDescription(description)
                .build();
        alarm.addAlarmAction(notify);
        alarm.addOkAction(notify);
    }

    /**
     * Abuse-limit alerts (issue 18, {@code EventBridgeLimitAlerts}): the {@code Calling/LimitHits} metric alarms
     * once any limit is hit in 5 minutes, and each {@code calling.abuse} event (who, which call, which limit) is
     * sent to the topic as a one-line message. A burst of refused dials is one alarm but as many messages: an
     * on-call rota that pages on this topic should filter on the alarm's subject or subscribe a queue for these.
     */
    public void watchLimitAlerts(PhysicalNames names) {
        alarm("AbuseLimitHits", Metric.Builder.create().namespace("Calling").metricName("LimitHits").statistic("Sum")
                .period(Duration.minutes(5)).build(), 0, 1,
                "A user hit an abuse limit (call attempts, PSTN calls at once, daily spend, high-risk destination):"
                        + " the limit-alerts events on this topic say who and which call");
        Queue deadLetters = MeetingEventsRule.deadLetterQueue(this, names.prefix() + "-limit-alerts-dlq");
        limitAlertsDeadLetters = deadLetters;
        watchDeadLetters("LimitAlertsDeadLetters", deadLetters,
                "A limit alert could not be sent to the alarm topic and is in " + names.prefix() + "-limit-alerts-dlq");
        Rule rule = Rule.Builder.create(this, "LimitAlerts")
                .ruleName(names.prefix() + "-limit-alerts")
                .description("Abuse-limit alerts from CallApi and CallStateManager, to the alarm topic")
                .eventPattern(EventPattern.builder().source(List.of("calling.abuse"))
                        .detailType(List.of("Abuse limit hit")).build())
                .targets(List.of(SnsTopic.Builder.create(unmanaged(topic)).deadLetterQueue(deadLetters)
                        .message(RuleTargetInput.fromText("Abuse limit " + EventField.fromPath("$.detail.limit")
                                + " hit by " + EventField.fromPath("$.detail.userId") + " (call "
                                + EventField.fromPath("$.detail.callId") + "): " + EventField.fromPath("$.detail.detail")))
                        .build()))
                .build();
        allowPublishFrom(rule);
    }

    /**
     * EventBridge may publish to the topic for this rule only. CDK's SnsTopic target would grant
     * events.amazonaws.com without any condition (any rule of any account); it is given {@link #unmanaged} so
     * that it grants nothing and this statement is the only one.
     */
    public void allowPublishFrom(IRule rule) {
        topic.addToResourcePolicy(PolicyStatement.Builder.create()
                .principals(List.of(new ServicePrincipal("events.amazonaws.com")))
                .actions(List.of("sns:Publish"))
                .resources(List.of(topic.getTopicArn()))
                .conditions(Map.of(
                        "StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID),
                        "ArnEquals", Map.of("aws:SourceArn", rule.getRuleArn())))
                .build());
    }

    /** The same topic as an imported reference: a target bound to it adds nothing to the topic's policy. */
    private ITopic unmanaged(Topic topic) {
        return Topic.fromTopicArn(this, "AlarmsForRules", topic.getTopicArn());
    }

    /** The limit-alerts rule's dead-letter queue ({@link #watchLimitAlerts} first). */
    public Queue limitAlertsDeadLetters() {
        return limitAlertsDeadLetters;
    }

    public Topic topic() {
        return topic;
    }
}
