package dev.calling.carrier.twilio;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.routing.RateDeckCsv;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Twilio's outbound voice prices as our cost {@link RateDeck}.
 *
 * <p>The format read is the one Twilio documents: the Pricing API's Voice Country resource
 * ({@code GET https://pricing.twilio.com/v2/Voice/Countries/{IsoCountry}}, "Pricing: Voice
 * Resource", https://www.twilio.com/docs/voice/pricing, and "VoiceCountry Resource",
 * https://www.twilio.com/docs/voice/pricing-api/voicecountry-resource): per country a
 * {@code price_unit} and {@code outbound_prefix_prices}, each record with
 * {@code destination_prefixes}, {@code origination_prefixes} (specific prefixes, {@code ALL}, or
 * {@code ROW} for "the rest-of-world, ... the set of remaining prefixes that aren't specifically
 * listed"), {@code friendly_name}, {@code base_price} ("the retail price per minute") and
 * {@code current_price} ("which accounts for any volume or custom price discounts"). A price list
 * file is one such resource or a JSON array of them (one per country), as fetched, optionally gzipped.
 * Twilio's downloadable price CSV is not read: its columns are not documented (README.md).
 *
 * <p>Our calls all leave from one number (the carrier's {@code from-number}), so for each
 * destination prefix the record for that origin is taken: the one listing the longest origination
 * prefix of our number, else {@code ROW}, else {@code ALL}. Twilio bills by the minute ("Duration:
 * ... calls are billed by the minute", Call resource status callback parameters): increment 60/60,
 * no connect fee. Prices are converted exactly (never through a double); a price with more than six
 * decimals, a second currency, or two records disagreeing for the same prefix and origin refuse the
 * whole list, as {@link RateDeckCsv} refuses a bad deck.
 */
public final class TwilioPriceList {

    /** Which of the two documented prices to use. */
    public enum Price {
        /** {@code current_price}: what this account pays (volume and custom discounts applied). */
        CURRENT("current_price"),
        /** {@code base_price}: Twilio's list price. */
        BASE("base_price");

        private final String field;

        Price(String field) {
            this.field = field;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final Pattern PREFIX = Pattern.compile("[1-9][0-9]{0,14}");
    private static final Pattern ORIGIN = Pattern.compile("\\+?[1-9][0-9]{0,14}");

    private TwilioPriceList() {}

    /** Loads a price list file (JSON, gunzipped if {@code name} ends in {@code .gz}) and compiles it. */
    public static RateDeck load(InputStream in, String name, String originNumber, Price price, LocalDate effectiveFrom)
            throws IOException {
        InputStream data = name.endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in;
        Reader reader = new BufferedReader(new InputStreamReader(data, StandardCharsets.UTF_8), 1 << 16);
        return RateDeck.of(readRates(reader, name, originNumber, price, effectiveFrom));
    }

    /**
     * The rates of a price list, one per destination prefix, sorted by prefix.
     *
     * @param originNumber our caller id (E.164), which picks the origination-dependent records
     * @param effectiveFrom the day the list applies from (the day it was fetched, say)
     * @throws InvalidPriceList when the list cannot be used as it is
     */
    public static List<Rate> readRates(Reader json, String source, String originNumber, Price price,
            LocalDate effectiveFrom) {
        if (originNumber == null || !ORIGIN.matcher(originNumber).matches()) {
            throw new IllegalArgumentException("origin must be an E.164 number: " + originNumber);
        }
        String origin = originNumber.startsWith("+") ? originNumber.substring(1) : originNumber;
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new InvalidPriceList(source, "not JSON: " + e.getMessage());
        }
        List<JsonNode> countries = new ArrayList<>();
        if (root != null && root.isArray()) {
            root.forEach(countries::add);
        } else if (root != null && root.isObject()) {
            countries.add(root);
        } else {
            throw new InvalidPriceList(source, "expected a Voice Country resource or an array of them");
        }
        Currency currency = null;
        Map<String, Choice> chosen = new LinkedHashMap<>();
        for (JsonNode country : countries) {
            String name = country.path("iso_country").asText(country.path("country").asText("?"));
            String unit = country.path("price_unit").asText("");
            Currency countryCurrency;
            try {
                countryCurrency = Currency.getInstance(unit.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidPriceList(source, name + ": price_unit '" + unit + "' is not an ISO 4217 code");
            }
            if (currency == null) {
                currency = countryCurrency;
            } else if (!currency.equals(countryCurrency)) {
                throw new InvalidPriceList(source, name + ": price_unit " + countryCurrency + " differs from " + currency
                        + " (one deck, one currency)");
            }
            JsonNode records = country.path("outbound_prefix_prices");
            if (!records.isArray()) {
                throw new InvalidPriceList(source, name + ": outbound_prefix_prices is missing");
            }
            for (JsonNode record : records) {
                int rank = originRank(record.path("origination_prefixes"), origin, source, name);
                if (rank < 0) {
                    continue; // priced for other origins only
                }
                Money amount = amount(record.path(price.field), price.field, currency, source, name);
                JsonNode destinations = record.path("destination_prefixes");
                if (!destinations.isArray() || destinations.isEmpty()) {
                    throw new InvalidPriceList(source, name + ": a record without destination_prefixes");
                }
                for (JsonNode destination : destinations) {
                    String prefix = destination.asText("").trim();
                    if (prefix.startsWith("+")) {
                        prefix = prefix.substring(1);
                    }
                    if (!PREFIX.matcher(prefix).matches()) {
                        throw new InvalidPriceList(source, name + ": bad destination prefix '" + destination.asText() + "'");
                    }
                    Choice candidate = new Choice(prefix, rank, amount, name);
                    Choice before = chosen.get(prefix);
                    if (before == null || rank > before.rank()) {
                        chosen.put(prefix, candidate);
                    } else if (rank == before.rank() && !amount.equals(before.amount())) {
                        throw new InvalidPriceList(source, "prefix " + prefix + " costs both " + before.amount() + " ("
                                + before.country() + ") and " + amount + " (" + name + ") for the same origin");
                    }
                }
            }
        }
        if (chosen.isEmpty()) {
            throw new InvalidPriceList(source, "no outbound price applies to calls from +" + origin.charAt(0) + "…");
        }
        Money noFee = Money.zero(currency);
        return chosen.values().stream().sorted(Comparator.comparing(Choice::prefix))
                .map(c -> new Rate(c.prefix(), c.amount(), noFee, BillingIncrement.PER_MINUTE, effectiveFrom))
                .toList();
    }

    /**
     * How well a record's origination prefixes fit our number: 2 + the longest matching specific
     * prefix, 1 for {@code ROW}, 0 for {@code ALL} (or none listed), -1 when the record is for other
     * origins only.
     */
    private static int originRank(JsonNode origins, String origin, String source, String country) {
        if (origins.isMissingNode() || origins.isNull() || (origins.isArray() && origins.isEmpty())) {
            return 0;
        }
        if (!origins.isArray()) {
            throw new InvalidPriceList(source, country + ": origination_prefixes is not a list");
        }
        int best = -1;
        for (JsonNode node : origins) {
            String text = node.asText("").trim();
            if ("ALL".equals(text)) {
                best = Math.max(best, 0);
            } else if ("ROW".equals(text)) {
                best = Math.max(best, 1);
            } else {
                String prefix = text.startsWith("+") ? text.substring(1) : text;
                if (!PREFIX.matcher(prefix).matches()) {
                    throw new InvalidPriceList(source, country + ": bad origination prefix '" + text + "'");
                }
                if (origin.startsWith(prefix)) {
                    best = Math.max(best, 2 + prefix.length());
                }
            }
        }
        return best;
    }

    private static Money amount(JsonNode node, String field, Currency currency, String source, String country) {
        BigDecimal value;
        try {
            value = node.isNumber() ? node.decimalValue() : new BigDecimal(node.asText("").trim());
        } catch (NumberFormatException e) {
            throw new InvalidPriceList(source, country + ": " + field + " '" + node.asText() + "' is not a decimal number");
        }
        if (value.signum() < 0) {
            throw new InvalidPriceList(source, country + ": negative " + field + " " + value.toPlainString());
        }
        try {
            return Money.of(value.toPlainString(), currency);
        } catch (IllegalArgumentException e) {
            throw new InvalidPriceList(source, country + ": " + field + " " + value.toPlainString()
                    + " has more than 6 decimals; money is held in millionths and is never rounded on load");
        }
    }

    /**
     * Writes rates as a rate deck in our CSV format ({@link RateDeckCsv#COLUMNS}), so a price list
     * fetched from Twilio can be packaged like the other carriers' decks (the call state manager's
     * {@code rate-deck} setting reads that format).
     */
    public static void writeRateDeckCsv(List<Rate> rates, Writer out) throws IOException {
        // Not closed: the writer is the caller's.
        CSVPrinter csv = new CSVPrinter(out, CSVFormat.RFC4180.builder().setRecordSeparator("\n").get());
        csv.printRecord(RateDeckCsv.COLUMNS);
        for (Rate rate : rates) {
            csv.printRecord(rate.prefix(), decimal(rate.perMinute()), decimal(rate.connectFee()),
                    rate.perMinute().currency().getCurrencyCode(), rate.increment().toString(), rate.effectiveFrom());
        }
        csv.flush();
    }

    private static String decimal(Money money) {
        BigDecimal amount = money.toBigDecimal().stripTrailingZeros();
        return (amount.scale() < 4 ? amount.setScale(4) : amount).toPlainString();
    }

    private record Choice(String prefix, int rank, Money amount, String country) {}

    /** A price list that cannot be used as it is. */
    public static final class InvalidPriceList extends IllegalArgumentException {
        InvalidPriceList(String source, String problem) {
            super("Twilio price list " + source + ": " + problem);
        }
    }
}
