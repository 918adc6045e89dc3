package dev.calling.carrier.twilio;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An {@code application/x-www-form-urlencoded} body or query string (Twilio's webhooks post their
 * parameters this way), decoded as UTF-8. A name given twice is refused: Twilio's status callbacks
 * never repeat one, and the documented signature (name + value, sorted by name) does not say in which
 * order repeated values are signed, so such a request could not be verified unambiguously.
 */
final class FormBody {

    /** The body is not a well-formed form. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }
    }

    private FormBody() {}

    static Map<String, String> parse(String encoded) throws Malformed {
        Map<String, String> params = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return Collections.unmodifiableMap(params);
        }
        for (String pair : encoded.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (name.isEmpty()) {
                throw new Malformed("a form parameter has no name");
            }
            if (params.putIfAbsent(name, value) != null) {
                throw new Malformed("form parameter " + name + " is given more than once");
            }
        }
        return Collections.unmodifiableMap(params);
    }

    static Map<String, String> parse(byte[] body) throws Malformed {
        return parse(body == null ? "" : new String(body, StandardCharsets.UTF_8));
    }

    private static String decode(String text) throws Malformed {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Malformed("bad percent-encoding in the form: " + e.getMessage());
        }
    }
}
