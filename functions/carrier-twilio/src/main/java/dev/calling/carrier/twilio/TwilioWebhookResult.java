package dev.calling.carrier.twilio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** The answer to one Twilio status callback; the webhook Lambda turns it into its HTTP response as it is. */
public sealed interface TwilioWebhookResult {

    int status();

    String contentType();

    String body();

    /** An empty TwiML document: what a webhook that has nothing for the call to do answers. */
    String EMPTY_TWIML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

    /**
     * Taken (published, or knowingly dropped: a duplicate, an orphan hung up). 200 with empty TwiML.
     * {@code note} is for the log.
     */
    record Accepted(String note) implements TwilioWebhookResult {
        @Override
        public int status() {
            return 200;
        }

        @Override
        public String contentType() {
            return "text/xml";
        }

        @Override
        public String body() {
            return EMPTY_TWIML;
        }
    }

    /**
     * Refused: 403 when the signature is missing or wrong or the callback is stale (a replay); 400 when
     * the request is not a status callback of ours. Twilio does not retry status callbacks, so neither
     * makes it send the callback again. Body: {@code application/problem+json}.
     */
    record Rejected(int status, String title, String detail) implements TwilioWebhookResult {

        private static final ObjectMapper JSON = new ObjectMapper();

        static Rejected forbidden(String detail) {
            return new Rejected(403, "Signature refused", detail);
        }

        static Rejected malformed(String detail) {
            return new Rejected(400, "Malformed status callback", detail);
        }

        @Override
        public String contentType() {
            return "application/problem+json";
        }

        @Override
        public String body() {
            Map<String, Object> problem = new LinkedHashMap<>();
            problem.put("title", title);
            problem.put("status", status);
            problem.put("detail", detail);
            try {
                return JSON.writeValueAsString(problem);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
