package dev.calling.adapters.abuse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.calling.adapters.metrics.EmfCallMetrics;
import dev.calling.adapters.metrics.EmfLine;
import dev.calling.core.abuse.LimitAlerts;
import java.io.PrintStream;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;

/**
 * Limit alerts in AWS: a CloudWatch metric and an EventBridge event per alert.
 *
 * <ul>
 *   <li>The metric, {@value #NAMESPACE}/{@value #METRIC} by {@code Limit} and over all limits, is one line in CloudWatch's
 *       Embedded Metric Format on standard output (Lambda sends it to CloudWatch Logs, which turns it into the
 *       metric: no API call, nothing to fail). It names no user.</li>
 *   <li>The event goes to the account's default bus: source {@value #SOURCE}, detail-type {@value #DETAIL_TYPE},
 *       detail {@code {"limit","userId","callId","detail"}}; the CDK app routes it to the alarm topic. A failed
 *       PutEvents (or a failed entry) is logged, never thrown: an alert never holds a call.</li>
 * </ul>
 */
public final class EventBridgeLimitAlerts implements LimitAlerts {

    public static final String SOURCE = "calling.abuse";
    public static final String DETAIL_TYPE = "Abuse limit hit";
    public static final String NAMESPACE = EmfCallMetrics.NAMESPACE;
    public static final String METRIC = "LimitHits";

    private static final System.Logger LOG = System.getLogger(EventBridgeLimitAlerts.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<EventBridgeClient> eventBridge;
    private final PrintStream metrics;

    /** @param eventBridge built on the first alert (most containers never raise one: no client at start-up) */
    public EventBridgeLimitAlerts(Supplier<EventBridgeClient> eventBridge) {
        this(eventBridge, System.out);
    }

    /** @param metrics where the EMF lines go (standard output in Lambda) */
    public EventBridgeLimitAlerts(Supplier<EventBridgeClient> eventBridge, PrintStream metrics) {
        this.eventBridge = memoized(eventBridge);
        this.metrics = metrics;
    }

    private static Supplier<EventBridgeClient> memoized(Supplier<EventBridgeClient> make) {
        EventBridgeClient[] made = new EventBridgeClient[1];
        return () -> {
            synchronized (made) {
                if (made[0] == null) {
                    made[0] = make.get();
                }
                return made[0];
            }
        };
    }

    @Override
    public void raise(Alert alert) {
        metrics.println(metricLine(alert));
        ObjectNode detail = JSON.createObjectNode().put("limit", alert.limit().name()).put("userId", alert.userId())
                .put("callId", alert.callId()).put("detail", alert.detail());
        try {
            PutEventsResponse response = eventBridge.get().putEvents(r -> r.entries(PutEventsRequestEntry.builder()
                    .source(SOURCE).detailType(DETAIL_TYPE).time(alert.at()).resources(List.of())
                    .detail(detail.toString()).build()));
            if (response.failedEntryCount() != null && response.failedEntryCount() > 0) {
                LOG.log(System.Logger.Level.WARNING, () -> "limit alert for call " + alert.callId() + " not accepted: "
                        + response.entries().get(0).errorCode() + " " + response.entries().get(0).errorMessage());
            }
        } catch (SdkException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "limit alert for call " + alert.callId() + " not sent: " + e);
        }
    }

    /** The alert as one Embedded Metric Format line: {@code LimitHits = 1}, by {@code Limit} and with no dimension. */
    static String metricLine(Alert alert) {
        return EmfLine.of(NAMESPACE, alert.at(), List.of(List.of("Limit"), List.of())) // by limit, and all
                .dimension("Limit", alert.limit().name()).metric(METRIC, 1, "Count").toString();
    }
}
