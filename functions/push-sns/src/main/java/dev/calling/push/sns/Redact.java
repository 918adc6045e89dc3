package dev.calling.push.sns;

/** Tokens and endpoint ARNs reach a user's phone: logs get their last four characters at most. */
public final class Redact {

    private Redact() {}

    public static String tail(String secret) {
        if (secret == null) {
            return "(none)";
        }
        return secret.length() <= 8 ? "…" : "…" + secret.substring(secret.length() - 4);
    }
}
