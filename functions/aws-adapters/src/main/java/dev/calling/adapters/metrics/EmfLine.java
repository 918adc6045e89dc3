package dev.calling.adapters.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;

/**
 * One line of CloudWatch's Embedded Metric Format: a JSON object whose {@code _aws} member tells CloudWatch Logs
 * which of its members are metrics (with their unit) and which are dimensions, so a function's log line becomes
 * metrics with no PutMetricData request. Every metric of a line shares its dimension sets. Dimension values are
 * members of the line too; so are other members, kept as searchable properties of the log event.
 *
 * @see <a href="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html">the specification</a>
 */
public final class EmfLine {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode line = JSON.createObjectNode();
    private final ObjectNode directive;

    private EmfLine(String namespace, Instant at, List<List<String>> dimensionSets) {
        directive = JSON.createObjectNode().put("Namespace", namespace);
        ArrayNode sets = directive.putArray("Dimensions");
        dimensionSets.forEach(set -> set.forEach(sets.addArray()::add));
        directive.putArray("Metrics");
        line.putObject("_aws").put("Timestamp", at.toEpochMilli()).putArray("CloudWatchMetrics").add(directive);
    }

    /** A line of metrics in {@code namespace}, each by every one of {@code dimensionSets} ({@code []}: overall). */
    public static EmfLine of(String namespace, Instant at, List<List<String>> dimensionSets) {
        return new EmfLine(namespace, at, dimensionSets);
    }

    public EmfLine dimension(String name, String value) {
        line.put(name, value);
        return this;
    }

    /** A metric; {@code unit} one of CloudWatch's ("Count", "Seconds", "Milliseconds", "None", ...). */
    public EmfLine metric(String name, long value, String unit) {
        declare(name, unit);
        line.put(name, value);
        return this;
    }

    /** A metric with a fractional value. */
    public EmfLine metric(String name, double value, String unit) {
        declare(name, unit);
        line.put(name, value);
        return this;
    }

    private void declare(String name, String unit) {
        ((ArrayNode) directive.get("Metrics")).addObject().put("Name", name).put("Unit", unit);
    }

    public EmfLine property(String name, String value) {
        line.put(name, value);
        return this;
    }

    @Override
    public String toString() {
        return line.toString();
    }
}
