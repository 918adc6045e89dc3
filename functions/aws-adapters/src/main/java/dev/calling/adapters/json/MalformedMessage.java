package dev.calling.adapters.json;

/** A queue message that cannot be turned into an event: it fails alone and, after its retries, lands in the DLQ. */
public final class MalformedMessage extends RuntimeException {
    public MalformedMessage(String what, Throwable cause) {
        super("malformed " + what + ": " + firstLine(cause.getMessage()), cause);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no detail)";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
