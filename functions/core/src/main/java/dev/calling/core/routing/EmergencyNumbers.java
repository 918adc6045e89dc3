package dev.calling.core.routing;

import com.google.i18n.phonenumbers.ShortNumberInfo;
import com.google.i18n.phonenumbers.ShortNumbersRegionCodeSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Emergency numbers (112, 911, 999, 000, 110, 119, ...) as libphonenumber's short-number metadata lists them for
 * every region it knows. A dialled string is taken as one if it is an emergency number in any region: the
 * caller's region is not known, and no such string is a callable E.164 number anywhere, so refusing it as an
 * emergency number instead of an invalid one never refuses a call that could have been made.
 *
 * <p>This service does not connect emergency calls (no carrier here routes them with the caller's location, as
 * emergency services require): they are refused with their own reason, never as an invalid number, and never
 * reach a carrier or the caller's money.
 */
public final class EmergencyNumbers {

    private static final ShortNumberInfo SHORT_NUMBERS = ShortNumberInfo.getInstance();
    private static final Set<String> REGIONS = Set.copyOf(ShortNumbersRegionCodeSet.getRegionCodeSet());
    /** No emergency number anywhere is longer (libphonenumber's longest are 4 to 6 digits). */
    private static final int MAX_DIGITS = 8;

    /** What an app should tell its user, with the refusal. */
    public static final String DISCLOSURE = "This service does not connect calls to emergency services: call them from"
            + " your phone's own dialer (mobile network or landline).";

    private EmergencyNumbers() {}

    /** Whether {@code dialled} (digits, a leading '+' ignored, as an app may send it) is an emergency number. */
    public static boolean isEmergency(String dialled) {
        return !regionsOf(dialled).isEmpty();
    }

    /** The regions (ISO 3166 codes) where {@code dialled} is an emergency number, in order; empty if none. */
    public static Set<String> regionsOf(String dialled) {
        if (dialled == null) {
            return Set.of();
        }
        String digits = dialled.startsWith("+") ? dialled.substring(1) : dialled;
        if (digits.isEmpty() || digits.length() > MAX_DIGITS || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Set.of();
        }
        Set<String> regions = new TreeSet<>();
        for (String region : REGIONS) {
            if (SHORT_NUMBERS.isEmergencyNumber(digits, region)) {
                regions.add(region);
            }
        }
        return regions;
    }
}
