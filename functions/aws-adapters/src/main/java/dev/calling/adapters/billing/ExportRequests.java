package dev.calling.adapters.billing;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Which day an invocation of the billing export asks for: an EventBridge scheduled event exports
 * the UTC day before the event's {@code time} (a schedule firing at 00:30 on the 25th exports the
 * 24th), and {@code {"day": "2026-11-24"}} re-runs any day.
 */
public final class ExportRequests {

    private ExportRequests() {}

    public static LocalDate dayToExport(Map<String, ?> event) {
        if (event == null) {
            throw new IllegalArgumentException("no event");
        }
        try {
            if (event.get("day") instanceof String day) {
                return LocalDate.parse(day);
            }
            if (event.get("time") instanceof String time && "aws.events".equals(event.get("source"))) {
                return LocalDate.ofInstant(Instant.parse(time), ZoneOffset.UTC).minusDays(1);
            }
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a day or time: " + e.getParsedString(), e);
        }
        throw new IllegalArgumentException(
                "expected {\"day\": \"YYYY-MM-DD\"} or an EventBridge scheduled event with a time, got keys " + event.keySet());
    }
}
