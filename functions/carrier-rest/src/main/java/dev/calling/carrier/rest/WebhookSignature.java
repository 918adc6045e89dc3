package dev.calling.carrier.rest;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The status callbacks' signature: {@code X-Carrier-Signature: sha256=<hex>}, an HMAC-SHA256 with
 * the shared webhook secret over {@code <X-Carrier-Timestamp>.<raw body>}.
 *
 * <p>The timestamp is inside the signed text on purpose: were only the body signed, anyone who saw
 * one callback could replay it forever with a fresh timestamp header, and the freshness check
 * would protect nothing. Callbacks older (or further in the future) than {@link #TOLERANCE} are
 * refused; a replay inside that window repeats an event the queue and the state machine already
 * de-duplicate.
 */
public final class WebhookSignature {

    public static final String SIGNATURE_HEADER = "X-Carrier-Signature";
    public static final String TIMESTAMP_HEADER = "X-Carrier-Timestamp";
    public static final Duration TOLERANCE = Duration.ofMinutes(5);
    private static final String SCHEME = "sha256=";

    private WebhookSignature() {}

    /** The {@code X-Carrier-Signature} value a carrier sends for {@code body} at {@code timestamp} (epoch seconds). */
    public static String sign(String secret, long timestamp, byte[] body) {
        return SCHEME + HexFormat.of().formatHex(hmac(secret, timestamp, body));
    }

    /**
     * Checks a callback's signature and age. Returns the problem, or empty when the callback is
     * authentic and fresh.
     */
    public static Optional<String> check(String secret, String timestampHeader, String signatureHeader, byte[] body,
            Instant now) {
        return check(List.of(secret), timestampHeader, signatureHeader, body, now);
    }

    /** The detail of {@link #check} when the signature is well-formed but made with none of the secrets. */
    public static final String MISMATCH = "signature does not match";

    /**
     * Checks a callback's signature, made with any one of {@code secrets} (during a rotation the
     * carrier may sign with the old or the new one), and its age. Returns the problem, or empty when
     * the callback is authentic and fresh.
     */
    public static Optional<String> check(List<String> secrets, String timestampHeader, String signatureHeader,
            byte[] body, Instant now) {
        if (timestampHeader == null || signatureHeader == null) {
            return Optional.of("missing " + TIMESTAMP_HEADER + " or " + SIGNATURE_HEADER + " header");
        }
        long timestamp;
        try {
            timestamp = Long.parseLong(timestampHeader.trim());
        } catch (NumberFormatException e) {
            return Optional.of(TIMESTAMP_HEADER + " is not epoch seconds");
        }
        String presented = signatureHeader.trim();
        if (!presented.startsWith(SCHEME)) {
            return Optional.of(SIGNATURE_HEADER + " is not sha256=<hex>");
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(presented.substring(SCHEME.length()).toLowerCase());
        } catch (IllegalArgumentException e) {
            return Optional.of(SIGNATURE_HEADER + " is not sha256=<hex>");
        }
        // Constant time: the comparison must not tell an attacker how many leading bytes were right.
        boolean matches = false;
        for (String secret : secrets) {
            matches |= MessageDigest.isEqual(hmac(secret, timestamp, body), given);
        }
        if (!matches) {
            return Optional.of(MISMATCH);
        }
        Duration age = Duration.between(Instant.ofEpochSecond(timestamp), now).abs();
        if (age.compareTo(TOLERANCE) > 0) {
            return Optional.of("timestamp " + Instant.ofEpochSecond(timestamp) + " is more than "
                    + TOLERANCE.toMinutes() + " minutes from now; replay refused");
        }
        return Optional.empty();
    }

    private static byte[] hmac(String secret, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
