package dev.calling.adapters.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import java.util.List;
import java.util.Map;
import org.jboss.logging.MDC;

/**
 * The fields every log line of one event's handling carries, in the logging MDC, which Quarkus's JSON log
 * formatter prints as {@code "mdc":{...}}: the {@link #FUNCTION} (the component's name), the Lambda
 * {@link #REQUEST_ID}, the {@link #EVENT_ID} (the SQS message id, the API Gateway request id, the telephony
 * event's transaction id) and, once the event is read, the {@link #CALL_ID}. Outcomes and amounts that a line
 * reports go in as {@link #field fields} too. {@link #event} opens the context of one event and closing it
 * clears everything, so nothing leaks into the next record of a batch or the next invocation on a warm
 * Lambda.
 */
public final class LogContext implements AutoCloseable {

    public static final String FUNCTION = "function";
    public static final String REQUEST_ID = "requestId";
    public static final String EVENT_ID = "eventId";
    public static final String CALL_ID = "callId";

    private LogContext() {}

    /**
     * Opens the context of one event of {@code function}, handled in the invocation of {@code lambda} (null
     * outside Lambda); use with try-with-resources.
     */
    public static LogContext event(String function, Context lambda, String eventId) {
        MDC.clear();
        put(FUNCTION, function);
        put(REQUEST_ID, lambda == null ? null : lambda.getAwsRequestId());
        put(EVENT_ID, eventId);
        return new LogContext();
    }

    /** The {@code id} of an EventBridge (scheduled) event, or null for a hand-made invocation without one. */
    public static String scheduledEventId(Map<String, Object> event) {
        Object id = event == null ? null : event.get("id");
        return id == null ? null : id.toString();
    }

    /** The call the event is about, for its remaining lines. */
    public static void call(String callId) {
        put(CALL_ID, callId);
    }

    /** A field for the remaining lines of the event: an outcome, an amount, a status. */
    public static void field(String name, Object value) {
        put(name, value == null ? null : value.toString());
    }

    /** The fields set now, for a test. */
    public static String get(String name) {
        Object value = MDC.get(name);
        return value == null ? null : value.toString();
    }

    /** The standard fields, in the order a reader looks for them. */
    public static List<String> standardFields() {
        return List.of(FUNCTION, REQUEST_ID, EVENT_ID, CALL_ID);
    }

    private static void put(String name, String value) {
        if (value == null || value.isBlank()) {
            MDC.remove(name);
        } else {
            MDC.put(name, value);
        }
    }

    @Override
    public void close() {
        MDC.clear();
    }
}
