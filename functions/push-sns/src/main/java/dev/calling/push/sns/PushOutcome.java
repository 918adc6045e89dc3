package dev.calling.push.sns;

/** How one push to one device went. */
public sealed interface PushOutcome {

    /** SNS accepted it (delivery to the phone is SNS's and the platform's business from here). */
    record Sent(String messageId) implements PushOutcome {}

    /** Nothing to send it through (no alert token, no platform application): not a failure. */
    record Skipped(String reason) implements PushOutcome {}

    /**
     * The push service refused the token (an endpoint SNS disabled after APNs / FCM reported the token
     * invalid, or a token SNS will not take): its endpoint was deleted, and the token is worth nothing.
     */
    record TokenRejected(String token, String reason) implements PushOutcome {
        @Override
        public String toString() {
            return "TokenRejected[" + Redact.tail(token) + ": " + reason + "]";
        }
    }

    /** Certainly not sent, and worth trying again (throttled, SNS failed, SNS unreachable). */
    record Retryable(String reason) implements PushOutcome {}

    /** Not sent and never will be as it stands (a disabled platform application, a refused message, no access). */
    record Refused(String reason) implements PushOutcome {}

    /** The Publish went out and no answer came back: it may have been sent, so it is not sent again. */
    record Ambiguous(String reason) implements PushOutcome {}
}
