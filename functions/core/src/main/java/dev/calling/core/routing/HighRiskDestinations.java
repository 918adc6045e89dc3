package dev.calling.core.routing;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Destinations where toll fraud lives (international revenue-share fraud, premium-rate pumping), refused to
 * every caller whose plan is not allow-listed for them ({@link RoutingPlan#highRiskAllowed()}). Two kinds, as
 * carriers' dialling permissions group them:
 *
 * <ul>
 *   <li><b>number types</b> from libphonenumber's metadata, which it keeps from each country's numbering plan:
 *       by default {@code PREMIUM_RATE} (UK 09, NANP 900, France 089, the ITU's international premium rate
 *       service +979, ...) and {@code PERSONAL_NUMBER} (UK 070, "follow-me" numbers long used to disguise
 *       premium-rate termination);</li>
 *   <li><b>prefixes</b> (E.164 digits) of ranges no numbering plan marks premium but whose termination rates
 *       make them the usual revenue-share targets: by default the ITU-T E.164 shared country codes for
 *       global satellite and international networks, +870 (Inmarsat), +881 (Global Mobile Satellite System),
 *       +882 and +883 (International Networks).</li>
 * </ul>
 * The sources are cited in the README ("Abuse and fraud limits"); an operator can replace both lists.
 */
public final class HighRiskDestinations {

    public static final Set<PhoneNumberType> DEFAULT_TYPES = Set.copyOf(
            EnumSet.of(PhoneNumberType.PREMIUM_RATE, PhoneNumberType.PERSONAL_NUMBER));
    public static final List<String> DEFAULT_PREFIXES = List.of("870", "881", "882", "883");
    public static final HighRiskDestinations DEFAULT = new HighRiskDestinations(DEFAULT_TYPES, DEFAULT_PREFIXES);
    /** No destination is high-risk: for tests and deployments that screen numbers elsewhere. */
    public static final HighRiskDestinations NONE = new HighRiskDestinations(Set.of(), List.of());

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private final Set<PhoneNumberType> types;
    private final List<String> prefixes;

    public HighRiskDestinations(Set<PhoneNumberType> types, List<String> prefixes) {
        this.types = Set.copyOf(types);
        for (String prefix : prefixes) {
            if (!prefix.matches("[1-9][0-9]{0,14}")) {
                throw new IllegalArgumentException("a high-risk prefix is E.164 digits without '+': '" + prefix + "'");
            }
        }
        this.prefixes = List.copyOf(prefixes);
    }

    /** Reads the number types by libphonenumber's names ({@code PREMIUM_RATE}, ...), as configuration gives them. */
    public static HighRiskDestinations of(List<String> typeNames, List<String> prefixes) {
        EnumSet<PhoneNumberType> types = EnumSet.noneOf(PhoneNumberType.class);
        for (String name : typeNames) {
            try {
                types.add(PhoneNumberType.valueOf(name.trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a libphonenumber number type: '" + name + "' (one of "
                        + EnumSet.allOf(PhoneNumberType.class) + ")");
            }
        }
        return new HighRiskDestinations(types, prefixes.stream().map(String::trim).toList());
    }

    /** Why {@code number} is high-risk, if it is. */
    public Optional<String> classify(PhoneNumber number) {
        for (String prefix : prefixes) {
            if (number.digits().startsWith(prefix)) {
                return Optional.of(number + " is in the high-risk range +" + prefix);
            }
        }
        if (types.isEmpty()) {
            return Optional.empty();
        }
        try {
            PhoneNumberType type = UTIL.getNumberType(UTIL.parse(number.e164(), "ZZ"));
            return types.contains(type)
                    ? Optional.of(number + " is a " + type.name().toLowerCase().replace('_', '-') + " number")
                    : Optional.empty();
        } catch (NumberParseException e) {
            return Optional.empty(); // a PhoneNumber always parses
        }
    }
}
