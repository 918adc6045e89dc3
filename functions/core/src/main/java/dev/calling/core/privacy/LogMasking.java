package dev.calling.core.privacy;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a log line may show of a phone number or a secret. A number keeps its country code and its last two
 * digits ({@code +33*******78}): enough to tell a destination and to match a complaint, never enough to call
 * anyone. Tokens, join credentials and keys are never shown, only that there was one.
 */
public final class LogMasking {

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
    private static final int SHOWN_TAIL = 2;
    /** An E.164 number anywhere in a text, also inside a SIP URI ({@code sip:+4420...@host}). */
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}(?![0-9])");
    /** A JSON field (or form field) whose name says it holds a credential, and its value. */
    private static final Pattern SECRET_FIELD = Pattern.compile(
            "(\"?[A-Za-z]*(?:[Tt]oken|TOKEN|[Ss]ecret|[Pp]assword|[Aa]pi[Kk]ey|Authorization|[Ss]ignature)\"?\\s*[:=]\\s*)"
                    + "(\"(?:[^\"\\\\]|\\\\.)*\"|[^\\s,}&]+)");
    /** A JSON Web Token (the apps' bearer tokens, Twilio access tokens), whatever field it is in. */
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*");

    private LogMasking() {}

    /** A phone number as a log line shows it: {@code +33612345678} becomes {@code +33*******78}. */
    public static String phone(String number) {
        if (number == null) {
            return "(none)";
        }
        String digits = number.startsWith("+") ? number.substring(1) : number;
        String countryCode = countryCode(digits);
        int hidden = digits.length() - countryCode.length() - SHOWN_TAIL;
        if (hidden <= 0) {
            return "+" + "*".repeat(digits.length());
        }
        return "+" + countryCode + "*".repeat(hidden) + digits.substring(digits.length() - SHOWN_TAIL);
    }

    /**
     * A text that may quote events, bodies or exception messages, with every E.164 number masked
     * ({@link #phone}), every JWT and every value of a field named like a credential (…token, …secret, password,
     * apiKey, Authorization, signature) replaced by {@code "…"}.
     */
    public static String text(String text) {
        if (text == null) {
            return null;
        }
        String out = JWT.matcher(text).replaceAll("…");
        out = SECRET_FIELD.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + "\"…\""));
        return E164.matcher(out).replaceAll(m -> Matcher.quoteReplacement(phone(m.group())));
    }

    /**
     * The number's country calling code: the first one to three digits that name one (calling codes are a
     * prefix code, so at most one does); the first digit when none does.
     */
    private static String countryCode(String digits) {
        for (int length = 1; length <= 3 && length < digits.length(); length++) {
            try {
                // "ZZ" for no country; non-geographic codes (+800, +870, +882, ...) name the region "001"
                if (!"ZZ".equals(UTIL.getRegionCodeForCountryCode(Integer.parseInt(digits.substring(0, length))))) {
                    return digits.substring(0, length);
                }
            } catch (NumberFormatException notDigits) {
                break;
            }
        }
        return digits.isEmpty() ? "" : digits.substring(0, 1);
    }
}
