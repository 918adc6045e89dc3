package dev.calling.carrier.twilio;

/**
 * The secrets of one Twilio account, as the caller's {@link java.util.function.Supplier} hands them
 * out (later AWS Secrets Manager, cached by the caller). Never read from environment variables here,
 * never logged: {@link #toString()} names which are present and nothing more.
 *
 * @param authToken the account's Auth Token: Twilio signs every webhook with it
 *     ({@code X-Twilio-Signature}), so the status callback needs it; it also authenticates REST
 *     requests when no API key is configured
 * @param apiKeySecret the secret of the configured API key ({@code SK...}), or null: REST requests
 *     authenticate with the key when there is one, and Voice access tokens can only be signed with a
 *     key's secret (https://www.twilio.com/docs/iam/access-tokens)
 */
public record TwilioSecrets(String authToken, String apiKeySecret) {

    public TwilioSecrets {
        if (authToken == null || authToken.isBlank()) {
            throw new IllegalArgumentException("the Twilio auth token is required (webhook signatures)");
        }
        if (apiKeySecret != null && apiKeySecret.isBlank()) {
            apiKeySecret = null;
        }
    }

    @Override
    public String toString() {
        return "TwilioSecrets[authToken=<redacted>, apiKeySecret=" + (apiKeySecret == null ? "none" : "<redacted>") + "]";
    }
}
