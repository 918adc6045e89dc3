package dev.calling.infra.service;

import dev.calling.adapters.abuse.EventBridgeLimitAlerts;
import dev.calling.infra.PhysicalNames;
import dev.calling.infra.service.DataByName.QueueRef;
import dev.calling.infra.service.DataByName.TableRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TextWidget;
import software.amazon.awscdk.services.sqs.IQueue;
import software.constructs.Construct;

/**
 * CloudWatch dashboard {@code calling-<stage>-call-path}: a call's way through the system, one row each: the
 * APIs (requests, errors, latency), the queues (depth, oldest message, dead letters), the functions (errors,
 * throttles, duration, concurrency), DynamoDB throttles, and the app's own metrics (namespace
 * {@value EventBridgeLimitAlerts#NAMESPACE}: every metric the functions write there appears without a change here).
 */
public final class CallPathDashboard extends Construct {

    static final Duration PERIOD = Duration.minutes(1);
    static final int WIDTH = 8;
    static final int HEIGHT = 6;

    private final Dashboard dashboard;

    /**
     * @param deadLetters every dead-letter queue by what it holds: the queues', the rules', BillingExport's failures
     * @param pushApplications the SNS platform application ARNs the PushSender sends to
     * @param carriers the PSTN carriers' ids
     */
    public CallPathDashboard(Construct scope, String id, PhysicalNames names, PublicHttpApi httpApi,
            RealtimeApi realtimeApi, List<QueueRef> queues, Map<String, IQueue> deadLetters,
            List<CallingFunction> functions, List<TableRef> tables, List<String> pushApplications,
            List<String> carriers) {
        super(scope, id);
        dashboard = Dashboard.Builder.create(this, "Dashboard")
                .dashboardName(names.prefix() + "-call-path")
                .defaultInterval(Duration.hours(3))
                .build();
        MetricOptions sum = options("Sum");

        dashboard.addWidgets(heading("APIs: the apps' HTTP API and WebSocket, the carriers' webhooks"));
        dashboard.addWidgets(
                graph("HTTP API requests", List.of(httpApi.api().metricCount(sum)),
                        List.of(httpApi.api().metricClientError(sum), httpApi.api().metricServerError(sum))),
                graph("HTTP API latency (ms)", List.of(httpApi.api().metricLatency(options("p50")),
                        httpApi.api().metricLatency(options("p99")), httpApi.api().metricIntegrationLatency(options("p99"))),
                        List.of()),
                graph("WebSocket", List.of(realtimeApi.stage().metric("ConnectCount", sum),
                        realtimeApi.stage().metric("MessageCount", sum)), List.of(
                        realtimeApi.stage().metric("ExecutionError", sum), realtimeApi.stage().metric("IntegrationError", sum),
                        realtimeApi.stage().metric("ClientError", sum))));

        dashboard.addWidgets(heading("Queues: what waits for the functions"));
        dashboard.addWidgets(
                graph("Messages waiting", each(queues, q -> q.queue().metricApproximateNumberOfMessagesVisible(
                        options("Maximum", q.definition().name()))), List.of()),
                graph("Oldest message (s)", each(queues, q -> q.queue().metricApproximateAgeOfOldestMessage(
                        options("Maximum", q.definition().name()))), List.of()),
                graph("Dead letters (any is an alarm)", deadLetters.entrySet().stream().<IMetric>map(entry -> entry.getValue()
                        .metricApproximateNumberOfMessagesVisible(options("Maximum", entry.getKey()))).toList(), List.of()));

        dashboard.addWidgets(heading("Functions"));
        dashboard.addWidgets(
                graph("Errors", each(functions, f -> f.function().metricErrors(options("Sum", f.settings().name()))),
                        List.of()),
                graph("Throttles", each(functions, f -> f.function().metricThrottles(options("Sum", f.settings().name()))),
                        List.of()),
                graph("Duration p99 (ms)", each(functions, f -> f.function().metricDuration(
                        options("p99", f.settings().name()))), List.of()));
        dashboard.addWidgets(
                graph("Concurrent executions", each(functions, f -> f.function().metric("ConcurrentExecutions",
                        options("Maximum", f.settings().name()))), List.of()),
                graph("Invocations", each(functions, f -> f.function().metricInvocations(options("Sum", f.settings().name()))),
                        List.of()));

        dashboard.addWidgets(heading("Calls (the CallStateManager's metrics, README \"Operations\")"));
        dashboard.addWidgets(
                graph("Calls by route and end reason", List.of(search("{" + EventBridgeLimitAlerts.NAMESPACE
                        + ",Route,EndReason} MetricName=\"Calls\"", "Sum")), List.of()),
                graph("Request to ring, answer to bridge (ms)", List.of(
                        search("{" + EventBridgeLimitAlerts.NAMESPACE + ",Route} MetricName=\"RequestToRing\"", "p99"),
                        search("{" + EventBridgeLimitAlerts.NAMESPACE + ",Route} MetricName=\"AnswerToBridge\"", "p99")),
                        List.of()),
                graph("Money by currency", List.of(search("{" + EventBridgeLimitAlerts.NAMESPACE + ",Currency}", "Sum")),
                        List.of()));

        dashboard.addWidgets(heading("DynamoDB, push, and the app's own metrics (namespace "
                + EventBridgeLimitAlerts.NAMESPACE + ")"));
        List<IWidget> last = new ArrayList<>();
        last.add(graph("DynamoDB throttle events", each(tables, t -> Monitoring.throttleEvents(
                t.table().getTableName(), t.definition().name())), List.of()));
        if (!pushApplications.isEmpty()) {
            last.add(graph("Push failures (%)", pushApplications.stream().<IMetric>map(arn -> {
                String[] parts = arn.substring(arn.indexOf(":app/") + 5).split("/", 2);
                return Monitoring.pushFailurePercent(parts[1], parts[0]);
            }).toList(), List.of()));
        }
        if (!carriers.isEmpty()) {
            last.add(graph("Carrier failures (%)", carriers.stream().<IMetric>map(Monitoring::carrierFailurePercent)
                    .toList(), List.of()));
        }
        last.add(graph("Abuse limit hits", List.of(Metric.Builder.create()
                .namespace(EventBridgeLimitAlerts.NAMESPACE).metricName(EventBridgeLimitAlerts.METRIC)
                .statistic("Sum").period(PERIOD).label("all limits").build()), List.of()));
        last.add(graph("All app metrics (sum)", List.of(MathExpression.Builder.create()
                .expression("SEARCH('Namespace=\"" + EventBridgeLimitAlerts.NAMESPACE + "\"', 'Sum', 60)")
                .label("").usingMetrics(Map.of()).period(PERIOD).build()), List.of()));
        dashboard.addWidgets(last.toArray(IWidget[]::new));
    }

    /** Every metric a CloudWatch search expression finds (one line each), as the statistic says. */
    private static IMetric search(String query, String statistic) {
        return MathExpression.Builder.create().expression("SEARCH('" + query + "', '" + statistic + "', 60)")
                .label("").usingMetrics(Map.of()).period(PERIOD).build();
    }

    private static <T> List<IMetric> each(List<T> items, Function<T, IMetric> metric) {
        return items.stream().map(metric).toList();
    }

    private static MetricOptions options(String statistic) {
        return MetricOptions.builder().statistic(statistic).period(PERIOD).build();
    }

    private static MetricOptions options(String statistic, String label) {
        return MetricOptions.builder().statistic(statistic).period(PERIOD).label(label).build();
    }

    private static GraphWidget graph(String title, List<IMetric> left, List<IMetric> right) {
        return GraphWidget.Builder.create().title(title).left(left).right(right).width(WIDTH).height(HEIGHT).build();
    }

    private static TextWidget heading(String text) {
        return TextWidget.Builder.create().markdown("## " + text).width(24).height(1).build();
    }

    public Dashboard dashboard() {
        return dashboard;
    }
}
