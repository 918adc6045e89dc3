package dev.calling.carrier.twilio;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The Twilio Voice SDK client identity of one of our users: the {@code <Client>} the answered phone
 * leg is dialled to, and the {@code grants.identity} of that user's access token. Both must be the
 * same string, so both come from here.
 *
 * <p>The charset: "Voice tokens may only contain alpha-numeric and underscore characters" (Access
 * Tokens, https://www.twilio.com/docs/iam/access-tokens) and "Mobile SDKs cannot include any special
 * characters and must only use alphanumeric characters and underscore"; a client identifier "may be
 * up to 256 characters" (TwiML Voice: {@code <Client>}, https://www.twilio.com/docs/voice/twiml/client).
 *
 * <p>The mapping, reversible so that two users can never share an identity: the configured prefix,
 * then the user id with {@code A–Z a–z 0–9} kept and every other UTF-8 byte, {@code _} included,
 * written {@code _XX} (two upper-case hex digits). {@code alice} → {@code alice};
 * {@code ann.lee@example.com} → {@code ann_2Elee_40example_2Ecom}; {@code ann_lee} → {@code ann_5Flee}.
 * A user id whose identity would exceed 256 characters is refused rather than cut (a cut could collide).
 */
public final class ClientIdentity {

    /** The {@code <Client>} noun's documented maximum. */
    public static final int MAX_LENGTH = 256;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private ClientIdentity() {}

    public static String of(String prefix, String userId) {
        if (userId == null || userId.isEmpty()) {
            throw new IllegalArgumentException("a client identity needs a user id");
        }
        StringBuilder identity = new StringBuilder(prefix == null ? "" : prefix);
        for (byte b : userId.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                identity.append((char) c);
            } else {
                identity.append('_').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        if (identity.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("user id too long for a Twilio client identity (" + identity.length()
                    + " > " + MAX_LENGTH + " characters once encoded)");
        }
        return identity.toString();
    }

    /** The user id an identity made by {@link #of} stands for (for logs and tests). */
    public static String userIdOf(String prefix, String identity) {
        String p = prefix == null ? "" : prefix;
        if (!identity.startsWith(p)) {
            throw new IllegalArgumentException("identity " + identity + " does not start with prefix " + p);
        }
        String encoded = identity.substring(p.length());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '_') {
                if (i + 2 >= encoded.length()) {
                    throw new IllegalArgumentException("truncated escape in identity " + identity);
                }
                bytes.write(Integer.parseInt(encoded.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
