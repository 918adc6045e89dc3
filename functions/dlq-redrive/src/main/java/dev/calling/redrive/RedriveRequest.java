package dev.calling.redrive;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * An operator's request to the DlqRedrive Lambda: {@code {"queue":"call-state-changes.fifo","max":1000,"dryRun":false}}.
 * Strict, because a misspelt {@code "dryrun"} silently ignored would move messages the operator meant to count.
 *
 * @param queue the queue to move messages back to, by its name in {@code Resources} (not its dead-letter queue's)
 * @param max messages at most, if given
 * @param dryRun count without moving
 */
public record RedriveRequest(String queue, Optional<Integer> max, boolean dryRun) {

    static final Set<String> FIELDS = Set.of("queue", "max", "dryRun");

    public static RedriveRequest from(Map<String, Object> event) {
        if (event == null) {
            throw new IllegalArgumentException("no request: give {\"queue\": \"<name>\", \"max\": 1000, \"dryRun\": true}");
        }
        Set<String> unknown = new TreeSet<>(event.keySet());
        unknown.removeAll(FIELDS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown field(s) " + unknown + ": the fields are queue, max, dryRun");
        }
        if (!(event.get("queue") instanceof String queue) || queue.isBlank()) {
            throw new IllegalArgumentException("\"queue\" (a string) is required, one of "
                    + DeadLetterRedrive.knownQueueNames());
        }
        Optional<Integer> max = Optional.empty();
        Object maxValue = event.get("max");
        if (maxValue != null) {
            if (!(maxValue instanceof Number number) || number.doubleValue() != Math.rint(number.doubleValue())
                    || number.longValue() < 1 || number.longValue() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("\"max\" must be a whole number of at least 1, was " + maxValue);
            }
            max = Optional.of(number.intValue());
        }
        Object dryRun = event.get("dryRun");
        if (dryRun != null && !(dryRun instanceof Boolean)) {
            throw new IllegalArgumentException("\"dryRun\" must be true or false, was " + dryRun);
        }
        return new RedriveRequest(queue.strip(), max, Boolean.TRUE.equals(dryRun));
    }
}
