package dev.calling.carrier.rest;

/** The answer to one status callback; the Lambda turns it into an HTTP response. */
public sealed interface WebhookResult {

    /** Taken (published, or knowingly dropped); the carrier must not send it again. {@code note} is for the log. */
    record Accepted(String note) implements WebhookResult {}

    /**
     * Refused; the carrier must not retry it as is. {@code status}: 400 malformed, 401 bad signature
     * or stale, 404 unknown carrier, 422 unknown status.
     */
    record Rejected(int status, String title, String detail) implements WebhookResult {

        static Rejected malformed(String detail) {
            return new Rejected(400, "Malformed status callback", detail);
        }

        static Rejected unauthenticated(String detail) {
            return new Rejected(401, "Signature refused", detail);
        }

        static Rejected unknownCarrier(String detail) {
            return new Rejected(404, "Unknown carrier", detail);
        }

        static Rejected unknownStatus(String detail) {
            return new Rejected(422, "Unknown call status", detail);
        }
    }
}
