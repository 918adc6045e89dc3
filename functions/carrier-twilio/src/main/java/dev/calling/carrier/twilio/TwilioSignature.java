package dev.calling.carrier.twilio;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Twilio's webhook signature, {@code X-Twilio-Signature}, as documented on "Webhooks security"
 * (https://www.twilio.com/docs/usage/webhooks/webhooks-security, formerly /docs/usage/security):
 * take the full URL Twilio requested (scheme, host, path and query string, exactly as given to
 * Twilio), append each POST parameter's name and value with no delimiter, parameters sorted by
 * name, HMAC-SHA1 the UTF-8 bytes with the account's Auth Token as key, Base64-encode the digest.
 *
 * <p>Like Twilio's own {@code RequestValidator} (twilio-java, com.twilio.security), a signature made
 * over the URL with its default port spelled out ({@code :443}/{@code :80}) or left out is accepted
 * both ways: the library notes that Twilio's signing is not consistent about it.
 *
 * <p>What it does not protect against, and how the callback makes up for it: nothing time-bound
 * is signed but the form's own {@code Timestamp}, so {@link TwilioStatusCallback} refuses old ones,
 * and a replay of a fresh callback repeats an event the queue and the state machine drop anyway.
 */
public final class TwilioSignature {

    public static final String HEADER = "X-Twilio-Signature";
    private static final String HMAC_SHA1 = "HmacSHA1";

    private TwilioSignature() {}

    /** The signature Twilio sends for a POST of {@code params} to {@code url}. */
    public static String sign(String authToken, String url, Map<String, String> params) {
        StringBuilder data = new StringBuilder(url);
        params.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(p -> data.append(p.getKey())
                .append(p.getValue() == null ? "" : p.getValue()));
        try {
            Mac mac = Mac.getInstance(HMAC_SHA1);
            mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), HMAC_SHA1));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA1 unavailable", e);
        }
    }

    /**
     * Checks a request's signature. Returns the problem, or empty when {@code presented} is Twilio's
     * signature of exactly this URL and these parameters.
     */
    public static Optional<String> check(String authToken, String url, Map<String, String> params, String presented) {
        if (presented == null || presented.isBlank()) {
            return Optional.of("missing " + HEADER + " header");
        }
        byte[] given = presented.trim().getBytes(StandardCharsets.US_ASCII);
        for (String variant : urlVariants(url)) {
            // Constant time: the comparison must not tell an attacker how many leading bytes were right.
            if (MessageDigest.isEqual(sign(authToken, variant, params).getBytes(StandardCharsets.US_ASCII), given)) {
                return Optional.empty();
            }
        }
        return Optional.of("signature does not match this URL and body");
    }

    /** The URL as given, and with its default port added or removed. */
    static List<String> urlVariants(String url) {
        List<String> variants = new ArrayList<>(List.of(url));
        try {
            URI uri = new URI(url);
            int defaultPort = "https".equals(uri.getScheme()) ? 443 : "http".equals(uri.getScheme()) ? 80 : -1;
            if (uri.getPort() == -1 && defaultPort != -1) {
                variants.add(withPort(uri, defaultPort));
            } else if (uri.getPort() != -1) {
                variants.add(withPort(uri, -1));
            }
        } catch (URISyntaxException unparseable) {
            // only the URL as given
        }
        return variants;
    }

    private static String withPort(URI uri, int port) throws URISyntaxException {
        // Raw parts, so that a percent-encoded query is signed exactly as sent.
        StringBuilder out = new StringBuilder(uri.getScheme()).append("://");
        if (uri.getRawUserInfo() != null) {
            out.append(uri.getRawUserInfo()).append('@');
        }
        out.append(uri.getHost());
        if (port != -1) {
            out.append(':').append(port);
        }
        out.append(uri.getRawPath() == null ? "" : uri.getRawPath());
        if (uri.getRawQuery() != null) {
            out.append('?').append(uri.getRawQuery());
        }
        return out.toString();
    }
}
