package dev.calling.core.routing;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import java.util.Objects;

/** A valid phone number in E.164 form ({@code +447700900123}), checked against libphonenumber's metadata. */
public record PhoneNumber(String e164) {

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    public PhoneNumber {
        Objects.requireNonNull(e164, "e164");
        if (!e164.matches("\\+[1-9][0-9]{1,14}")) {
            throw new InvalidPhoneNumber(e164, "not in E.164 form (+ and up to 15 digits)");
        }
    }

    /**
     * Parses what a user dialled. Without a leading '+' the number is read as national to
     * {@code defaultRegion} (ISO 3166 code such as "GB"); with one, as international.
     */
    public static PhoneNumber parse(String dialled, String defaultRegion) {
        if (dialled == null || dialled.isBlank()) {
            throw new InvalidPhoneNumber(String.valueOf(dialled), "empty");
        }
        try {
            var number = UTIL.parse(dialled, defaultRegion);
            if (!UTIL.isValidNumber(number)) {
                String region = UTIL.getRegionCodeForCountryCode(number.getCountryCode());
                throw new InvalidPhoneNumber(dialled, "not a valid number in country code +" + number.getCountryCode()
                        + ("ZZ".equals(region) ? " (no such country code)" : " (" + region + ")"));
            }
            return new PhoneNumber(UTIL.format(number, PhoneNumberFormat.E164));
        } catch (NumberParseException e) {
            throw new InvalidPhoneNumber(dialled, e.getMessage());
        }
    }

    /** Parses an E.164 number ("+..."). */
    public static PhoneNumber parse(String e164) {
        return parse(e164, "ZZ");
    }

    /** The digits without '+', as rate-deck prefixes are written. */
    public String digits() {
        return e164.substring(1);
    }

    @Override
    public String toString() {
        return e164;
    }

    /** A number that cannot be called. */
    public static final class InvalidPhoneNumber extends IllegalArgumentException {
        public InvalidPhoneNumber(String input, String why) {
            super("invalid phone number '" + input + "': " + why);
        }
    }
}
