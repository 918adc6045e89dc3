package dev.calling.adapters.routing;

import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a carrier's rate deck from CSV into a {@link RateDeck}. Carriers send decks as files of
 * tens of thousands of lines, so they are parsed as a stream, and a deck that is wrong anywhere is
 * refused whole: a silently skipped line would route calls at the wrong price or not at all.
 *
 * <p>The file has a header and these columns, in this order:
 * {@code prefix,per_minute,connect_fee,currency,increment,effective_from}, for example
 * {@code 4420,0.0045,0.0000,USD,60/60,2026-01-01}. Amounts are plain decimals converted exactly to
 * {@link Money} (at most six decimals, never through a double); one deck has one currency. Blank
 * lines are allowed. A file whose name ends in {@code .gz} is read as gzip.
 */
public final class RateDeckCsv {

    /** The header every deck starts with. */
    public static final List<String> COLUMNS =
            List.of("prefix", "per_minute", "connect_fee", "currency", "increment", "effective_from");

    private static final int MAX_E164_DIGITS = 15;
    private static final Pattern PREFIX = Pattern.compile("[1-9][0-9]{0," + (MAX_E164_DIGITS - 1) + "}");
    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Pattern INCREMENT = Pattern.compile("[0-9]{1,5}/[0-9]{1,5}");
    private static final int MONEY_DECIMALS = 6;

    // Empty lines are kept as records so that record numbers stay equal to line numbers.
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder()
            .setIgnoreEmptyLines(false)
            .setTrim(true)
            .get();

    private RateDeckCsv() {}

    /** Loads and compiles the deck in {@code file}, gunzipping it if the name ends in {@code .gz}. */
    public static RateDeck load(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            return load(raw, file.getFileName().toString());
        }
    }

    /**
     * Loads and compiles the deck read from {@code in} (a file, a resource packaged with a
     * function ...), gunzipping it if {@code name} ends in {@code .gz}. Does not close {@code in}.
     */
    public static RateDeck load(InputStream in, String name) throws IOException {
        InputStream data = name.endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in;
        Reader reader = new BufferedReader(new InputStreamReader(data, StandardCharsets.UTF_8), 1 << 16);
        return read(reader, name);
    }

    /** Reads and compiles a deck; {@code source} names it in error messages. */
    public static RateDeck read(Reader reader, String source) {
        return RateDeck.of(readRates(reader, source));
    }

    /**
     * Reads the lines of a deck without compiling it, in file order.
     *
     * @throws InvalidRateDeck for the first line that is wrong
     * @throws UncheckedIOException if the reader fails
     */
    public static List<Rate> readRates(Reader reader, String source) {
        List<Rate> rates = new ArrayList<>();
        Map<String, Long> firstLineOfPrefixAndDate = new HashMap<>();
        Currency deckCurrency = null;
        Values values = new Values();
        try (CSVParser parser = CSVParser.builder().setReader(reader).setFormat(FORMAT).get()) {
            boolean headerSeen = false;
            for (CSVRecord record : parser) {
                long line = record.getRecordNumber();
                if (isBlank(record)) {
                    continue;
                }
                if (!headerSeen) {
                    checkHeader(record, source, line);
                    headerSeen = true;
                    continue;
                }
                Rate rate = parseLine(record, source, line, values);
                if (deckCurrency == null) {
                    deckCurrency = rate.perMinute().currency();
                } else if (!deckCurrency.equals(rate.perMinute().currency())) {
                    throw new InvalidRateDeck(source, line, "currency " + rate.perMinute().currency()
                            + " differs from the deck's " + deckCurrency + " (one deck, one currency)");
                }
                Long earlier = firstLineOfPrefixAndDate.putIfAbsent(rate.prefix() + "@" + rate.effectiveFrom(), line);
                if (earlier != null) {
                    throw new InvalidRateDeck(source, line, "duplicate prefix " + rate.prefix() + " effective from "
                            + rate.effectiveFrom() + " (first on line " + earlier + ")");
                }
                rates.add(rate);
            }
            if (!headerSeen) {
                throw new InvalidRateDeck(source, 1, "empty file: expected the header " + String.join(",", COLUMNS));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rate deck " + source, e);
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof CSVException malformed) {
                throw new InvalidRateDeck(source, -1, "malformed CSV: " + malformed.getMessage());
            }
            throw e;
        }
        return rates;
    }

    private static boolean isBlank(CSVRecord record) {
        return record.size() == 1 && record.get(0).isEmpty();
    }

    private static void checkHeader(CSVRecord record, String source, long line) {
        List<String> header = record.toList();
        if (!header.equals(COLUMNS)) {
            throw new InvalidRateDeck(source, line, "header must be " + String.join(",", COLUMNS)
                    + " but is " + String.join(",", header));
        }
    }

    /**
     * A deck has tens of thousands of lines but only a handful of distinct currencies, increments
     * and dates: parsing each once per deck rather than once per line is a cheap saving on load.
     */
    private static final class Values {
        final Map<String, Currency> currencies = new HashMap<>();
        final Map<String, BillingIncrement> increments = new HashMap<>();
        final Map<String, LocalDate> dates = new HashMap<>();
    }

    private static Rate parseLine(CSVRecord record, String source, long line, Values values) {
        if (record.size() != COLUMNS.size()) {
            String problem = record.size() < COLUMNS.size()
                    ? "missing column " + COLUMNS.get(record.size())
                    : "too many columns";
            throw new InvalidRateDeck(source, line, problem + ": expected " + COLUMNS.size() + ", found " + record.size());
        }
        for (int i = 0; i < COLUMNS.size(); i++) {
            if (record.get(i).isEmpty()) {
                throw new InvalidRateDeck(source, line, "missing column " + COLUMNS.get(i) + ": the value is empty");
            }
        }
        String prefix = record.get(0);
        if (!PREFIX.matcher(prefix).matches()) {
            throw new InvalidRateDeck(source, line, "bad prefix '" + prefix + "': must be 1 to " + MAX_E164_DIGITS
                    + " E.164 digits, not starting with 0");
        }
        Currency currency = cached(values.currencies, record.get(3), text -> currency(text, source, line));
        Money perMinute = amount(record.get(1), COLUMNS.get(1), currency, source, line);
        Money connectFee = amount(record.get(2), COLUMNS.get(2), currency, source, line);
        BillingIncrement increment = cached(values.increments, record.get(4), text -> increment(text, source, line));
        LocalDate effectiveFrom = cached(values.dates, record.get(5), text -> date(text, source, line));
        return new Rate(prefix, perMinute, connectFee, increment, effectiveFrom);
    }

    private static <T> T cached(Map<String, T> cache, String text, Function<String, T> parse) {
        T value = cache.get(text);
        if (value == null) {
            value = parse.apply(text); // throws for a bad value, which is then never cached
            cache.put(text, value);
        }
        return value;
    }

    private static Currency currency(String code, String source, long line) {
        if (CURRENCY.matcher(code).matches()) {
            try {
                return Currency.getInstance(code);
            } catch (IllegalArgumentException unknown) {
                // fall through to the one message below
            }
        }
        throw new InvalidRateDeck(source, line, "unknown currency '" + code + "': expected an ISO 4217 code such as USD");
    }

    private static Money amount(String text, String column, Currency currency, String source, long line) {
        if (!DECIMAL.matcher(text).matches()) {
            throw new InvalidRateDeck(source, line, column + " '" + text + "' is not a plain decimal number such as 0.0123");
        }
        BigDecimal value = new BigDecimal(text);
        if (value.signum() < 0) {
            throw new InvalidRateDeck(source, line, "negative price: " + column + " is " + text);
        }
        if (value.stripTrailingZeros().scale() > MONEY_DECIMALS) {
            throw new InvalidRateDeck(source, line, column + " " + text + " has more than " + MONEY_DECIMALS
                    + " decimals; money is held in millionths and is never rounded on load");
        }
        try {
            return Money.of(text, currency);
        } catch (IllegalArgumentException tooLarge) {
            throw new InvalidRateDeck(source, line, column + " " + text + " is too large");
        }
    }

    private static BillingIncrement increment(String text, String source, long line) {
        if (INCREMENT.matcher(text).matches()) {
            try {
                return BillingIncrement.parse(text);
            } catch (IllegalArgumentException zero) {
                throw new InvalidRateDeck(source, line, "bad increment '" + text + "': " + zero.getMessage());
            }
        }
        throw new InvalidRateDeck(source, line, "bad increment '" + text + "': expected first/next seconds such as 60/60 or 30/6");
    }

    private static LocalDate date(String text, String source, long line) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidRateDeck(source, line, "bad effective_from '" + text + "': expected a date such as 2026-01-01");
        }
    }

    /** A deck that cannot be used as it is, with the line (1-based, header is line 1) that shows why. */
    public static final class InvalidRateDeck extends IllegalArgumentException {

        private final long line;

        InvalidRateDeck(String source, long line, String problem) {
            super("rate deck " + source + (line > 0 ? " line " + line : "") + ": " + problem);
            this.line = line;
        }

        /** The offending line, or -1 when the CSV could not be split into lines. */
        public long line() {
            return line;
        }
    }
}
