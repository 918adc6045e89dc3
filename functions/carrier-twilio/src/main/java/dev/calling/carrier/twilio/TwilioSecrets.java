package dev.calling.carrier.twilio;

/**
 * The secrets of one Twilio account, as the {@link TwilioSecretSource} hands them out (AWS Secrets
 * Manager in the functions). Never read from environment variables here, never logged:
 * {@link #toString()} names which are present and nothing more.
 *
 * @param authToken the account's Auth Token: Twilio signs every webhook with it
 *     ({@code X-Twilio-Signature}), so the status callback needs it; it also authenticates REST
 *     requests when no API key is configured
 * @param apiKeySecret the secret of the API key ({@code SK...}), or null: REST requests
 *     authenticate with the key when there is one, and Voice access tokens can only be signed with a
 *     key's secret (https://www.twilio.com/docs/iam/access-tokens)
 * @param apiKeySid the API key the secret belongs to, or null for the one configured
 *     ({@code api-key-sid}). Kept with its secret so that a key is rotated by updating the secret
 *     alone: create the new key, store its SID and secret together, delete the old key once every
 *     container has read them (its refresh interval), with no deployment in between.
 */
public record TwilioSecrets(String authToken, String apiKeySecret, String apiKeySid) {

    private static final java.util.regex.Pattern API_KEY_SID = java.util.regex.Pattern.compile("SK[0-9a-fA-F]{32}");

    public TwilioSecrets {
        if (authToken == null || authToken.isBlank()) {
            throw new IllegalArgumentException("the Twilio auth token is required (webhook signatures)");
        }
        if (apiKeySecret != null && apiKeySecret.isBlank()) {
            apiKeySecret = null;
        }
        if (apiKeySid != null && apiKeySid.isBlank()) {
            apiKeySid = null;
        }
        if (apiKeySid != null && !API_KEY_SID.matcher(apiKeySid).matches()) {
            throw new IllegalArgumentException("the secret's apiKeySid must be SK followed by 32 hex digits");
        }
        if (apiKeySid != null && apiKeySecret == null) {
            throw new IllegalArgumentException("the secret names API key " + apiKeySid + " but holds no apiKeySecret");
        }
    }

    /** Secrets whose API key is the configured one. */
    public TwilioSecrets(String authToken, String apiKeySecret) {
        this(authToken, apiKeySecret, null);
    }

    /** The API key to use: the secret's own, else {@code configured} (which may be null: no key). */
    String apiKeySidOr(String configured) {
        return apiKeySid != null ? apiKeySid : configured;
    }

    @Override
    public String toString() {
        return "TwilioSecrets[authToken=<redacted>, apiKeySecret=" + (apiKeySecret == null ? "none" : "<redacted>")
                + (apiKeySid == null ? "" : ", apiKeySid=" + apiKeySid) + "]";
    }
}
