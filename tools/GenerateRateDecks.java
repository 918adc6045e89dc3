import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the sample carrier rate decks in rate-decks/: three carriers (atlas, borealis, cobalt)
 * with about 30 000 prefixes each, in the CSV format RateDeckCsv reads. The decks are made up but
 * shaped like real wholesale decks: real country codes, their real mobile and fixed ranges,
 * expanded to area and operator prefixes of uneven depth; US and Canadian rates by NPA-NXX;
 * mobile dearer than fixed; carriers differing in price, coverage, billing increments and
 * connect fees; some countries with a price change on a later date.
 *
 * <p>Deterministic: a fixed seed, fixed dates and gzip without timestamps, so running it twice
 * gives the same bytes. No dependencies; run with {@code java tools/GenerateRateDecks.java <outdir>}
 * (JDK 17 single-file launch). Prices are computed in integer micro-dollars, never doubles.
 */
public class GenerateRateDecks {

    static final long SEED = 20260101L;
    static final LocalDate BASE = LocalDate.of(2026, 1, 1);
    static final LocalDate PAST_CHANGE = LocalDate.of(2026, 7, 1);
    static final LocalDate FUTURE_CHANGE = LocalDate.of(2027, 1, 1);
    /** Scales every country's row count; keeps each deck near 35 000 lines. */
    static final int COUNTRY_ROWS_PERCENT = 75;
    static final String HEADER = "prefix,per_minute,connect_fee,currency,increment,effective_from";

    enum Kind { FIXED, MOBILE }

    /** One line of the market every carrier prices: a prefix, its kind and a base price. */
    record Line(String cc, String prefix, Kind kind, long baseMicros, boolean root, String region) {}

    /**
     * A country's numbering: country code, fixed and mobile price (USD per minute), the national
     * leading digits of its fixed and mobile ranges, and roughly how many prefixes to expand to.
     */
    record Country(String cc, String name, String fixed, String mobile, String fixedBlocks, String mobileBlocks,
            int rows) {}

    static final List<Country> COUNTRIES = List.of(
            new Country("7", "Russia", "0.0250", "0.0800", "3,4,8", "9", 900),
            new Country("7", "Kazakhstan", "0.0700", "0.1200", "71,72", "70,77", 200),
            new Country("20", "Egypt", "0.0600", "0.0750", "2,3,4,5,8,9", "10,11,12,15", 500),
            new Country("27", "South Africa", "0.0150", "0.0350", "10,11,12,21,31,41,51", "6,7,8", 600),
            new Country("30", "Greece", "0.0080", "0.0250", "2", "69", 350),
            new Country("31", "Netherlands", "0.0060", "0.0300",
                    "10,13,15,20,24,26,30,33,35,40,43,45,50,53,58,70,71,72,73,74,75,76,77,78,79", "6", 500),
            new Country("32", "Belgium", "0.0080", "0.0300", "2,3,4,5,6,8,9", "46,47,48,49", 450),
            new Country("33", "France", "0.0050", "0.0200", "1,2,3,4,5,9", "6,7", 900),
            new Country("34", "Spain", "0.0050", "0.0150", "8,9", "6,7", 700),
            new Country("36", "Hungary", "0.0090", "0.0300", "1,2,3,4,5,8,9", "20,30,50,70", 300),
            new Country("39", "Italy", "0.0060", "0.0180", "0", "3", 800),
            new Country("40", "Romania", "0.0090", "0.0300", "2,3", "7", 350),
            new Country("41", "Switzerland", "0.0100", "0.0550", "2,3,4,5,6,8,9", "75,76,77,78,79", 400),
            new Country("43", "Austria", "0.0090", "0.0400", "1,2,3,4,5,6,7", "650,660,664,676,680,681,688,699", 400),
            new Country("44", "United Kingdom", "0.0040", "0.0090", "1,2,3", "7", 1800),
            new Country("45", "Denmark", "0.0060", "0.0120", "3,4,5,6,7,8,9", "2,30,31,40,41,42", 250),
            new Country("46", "Sweden", "0.0060", "0.0150", "1,2,3,4,5,6,8,9", "70,72,73,76,79", 350),
            new Country("47", "Norway", "0.0070", "0.0120", "2,3,5,6,7", "4,9", 250),
            new Country("48", "Poland", "0.0050", "0.0100",
                    "12,14,15,16,17,18,22,23,24,25,29,32,33,34,41,42,43,44,46,48,52,54,55,56,58,59,61,62,63,65,67,68,"
                            + "71,74,75,76,77,81,82,83,84,85,86,87,89,91,94,95",
                    "50,51,53,57,60,66,69,72,73,78,79,88", 600),
            new Country("49", "Germany", "0.0050", "0.0250", "2,3,4,5,6,7,8,9",
                    "151,152,155,157,159,160,162,163,170,171,172,173,174,175,176,177,178,179", 1800),
            new Country("51", "Peru", "0.0100", "0.0300", "1,4,5,6,7,8", "9", 250),
            new Country("52", "Mexico", "0.0060", "0.0060", "2,3,4,5,6,7,8,9", "", 1500),
            new Country("54", "Argentina", "0.0120", "0.0350", "11,2,3", "9", 500),
            new Country("56", "Chile", "0.0100", "0.0200", "2,3,4,5,6,7", "9", 300),
            new Country("57", "Colombia", "0.0080", "0.0120", "60", "3", 400),
            new Country("58", "Venezuela", "0.0300", "0.0900", "2", "4", 200),
            new Country("60", "Malaysia", "0.0100", "0.0150", "3,4,5,6,7,8,9", "1", 400),
            new Country("61", "Australia", "0.0100", "0.0350", "2,3,7,8", "4", 700),
            new Country("62", "Indonesia", "0.0350", "0.0450", "21,22,24,31,61", "8", 600),
            new Country("63", "Philippines", "0.0900", "0.1300", "2,32,33,34,35,36,38,4,5,6,7,8", "9", 500),
            new Country("64", "New Zealand", "0.0120", "0.0450", "3,4,6,7,9", "2", 250),
            new Country("65", "Singapore", "0.0050", "0.0060", "6", "8,9", 150),
            new Country("66", "Thailand", "0.0100", "0.0120", "2,3,4,5,7", "6,8,9", 300),
            new Country("81", "Japan", "0.0150", "0.0600", "3,4,5,6,7,8,9", "70,80,90", 700),
            new Country("82", "South Korea", "0.0150", "0.0250", "2,31,32,33,41,42,43,51,52,53,54,55,61,62,63,64", "10", 400),
            new Country("84", "Vietnam", "0.0550", "0.0600", "2", "3,5,7,8,9", 400),
            new Country("86", "China", "0.0100", "0.0100", "10,20,21,22,23,24,25,27,28,29,3,4,5,7,8,9",
                    "13,14,15,16,17,18,19", 1800),
            new Country("90", "Turkey", "0.0300", "0.1500", "2,3,4", "5", 400),
            new Country("91", "India", "0.0120", "0.0140", "1,2,3,4,5", "6,7,8,9", 2500),
            new Country("92", "Pakistan", "0.0300", "0.0450", "21,22,41,42,51,61,91", "3", 500),
            new Country("93", "Afghanistan", "0.2000", "0.2200", "2,4,5,6", "7", 150),
            new Country("94", "Sri Lanka", "0.0900", "0.1000", "11,2,3,4,5,6,8,9", "7", 200),
            new Country("95", "Myanmar", "0.1500", "0.1700", "1,2,4,5,6,8", "9", 150),
            new Country("212", "Morocco", "0.0600", "0.3500", "5", "6,7", 250),
            new Country("213", "Algeria", "0.1000", "0.4000", "2,3,4", "5,6,7", 200),
            new Country("216", "Tunisia", "0.1800", "0.3000", "7", "2,4,5,9", 150),
            new Country("221", "Senegal", "0.1800", "0.2100", "33", "70,75,76,77,78", 150),
            new Country("225", "Cote d'Ivoire", "0.1600", "0.1900", "21,25,27", "01,05,07", 150),
            new Country("233", "Ghana", "0.1100", "0.1400", "30,31,32,33,34,35,36,37,38,39",
                    "20,23,24,26,27,28,50,54,55,56,57,59", 300),
            new Country("234", "Nigeria", "0.0700", "0.0900", "1,2,3,4,5,6,7,8,9", "70,80,81,90,91", 500),
            new Country("254", "Kenya", "0.0400", "0.1100", "20,40,41,50,51,52,53,57,61", "1,7", 300),
            new Country("255", "Tanzania", "0.2000", "0.2500", "22,23,24,25,26,27,28", "6,7", 200),
            new Country("256", "Uganda", "0.1400", "0.2000", "39,41,43,45,46,47,48", "70,71,74,75,76,77,78,79", 200),
            new Country("351", "Portugal", "0.0060", "0.0220", "2", "91,92,93,96", 250),
            new Country("353", "Ireland", "0.0070", "0.0200", "1,2,4,5,6,7,9", "83,85,86,87,89", 300),
            new Country("358", "Finland", "0.0200", "0.0400", "2,3,5,6,8,9", "4,50", 250),
            new Country("380", "Ukraine", "0.0800", "0.1600", "3,4,5,6", "50,63,66,67,68,73,93,95,96,97,98,99", 300),
            new Country("420", "Czech Republic", "0.0080", "0.0200", "2,3,4,5", "6,7", 300),
            new Country("880", "Bangladesh", "0.0200", "0.0220", "2,3,4,5,7,8,9", "1", 300),
            new Country("966", "Saudi Arabia", "0.0600", "0.1200", "1", "5", 250),
            new Country("971", "United Arab Emirates", "0.1300", "0.1700", "2,3,4,6,7,9", "50,52,54,55,56,58", 250),
            new Country("972", "Israel", "0.0080", "0.0300", "2,3,4,8,9", "50,52,53,54,55,58", 250));

    /** Brazil: two-digit area codes (DDD); fixed numbers start 2-5 after it, mobile numbers 9. */
    static final String BRAZIL_DDD = "11,12,13,14,15,16,17,18,19,21,22,24,27,28,31,32,33,34,35,37,38,41,42,43,44,45,46,"
            + "47,48,49,51,53,54,55,61,62,63,64,65,66,67,68,69,71,73,74,75,77,79,81,82,83,84,85,86,87,88,89,91,92,93,"
            + "94,95,96,97,98,99";

    /** NANP area codes: US (mobile and fixed priced alike), Canada, and the dearer Caribbean. */
    static final String US_NPA = "201,202,203,205,206,207,208,209,210,212,213,214,215,216,217,218,219,224,225,228,229,"
            + "231,234,239,240,248,251,252,253,254,256,260,262,267,269,270,272,276,281,301,302,303,304,305,307,308,309,"
            + "310,312,313,314,315,316,317,318,319,320,321,323,325,330,334,336,337,339,347,351,352,360,361,385,386,401,"
            + "402,404,405,406,407,408,409,410,412,413,414,415,417,419,423,424,425,430,432,434,435,440,443,469,470,475,"
            + "478,479,480,484,501,502,503,504,505,507,508,509,510,512,513,515,516,517,518,520,530,540,541,551,559,561,"
            + "562,563,567,570,571,573,574,575,580,585,586,601,602,603,605,606,607,608,609,610,612,614,615,616,617,618,"
            + "619,620,623,626,630,631,636,641,646,650,651,657,660,661,662,678,682,701,702,703,704,706,707,708,712,713,"
            + "714,715,716,717,718,719,720,724,727,731,732,734,740,754,757,760,762,763,765,770,772,773,774,775,779,781,"
            + "785,786,801,802,803,804,805,806,810,812,813,814,815,816,817,818,828,830,831,832,843,845,847,848,850,856,"
            + "857,858,859,860,862,863,864,865,870,872,878,901,903,904,906,908,909,910,912,913,914,915,916,917,918,919,"
            + "920,925,928,929,931,936,937,940,941,947,949,951,952,954,956,970,971,972,973,978,979,980,985,989";
    static final String US_OFFSHORE_NPA = "808,907";
    static final String CANADA_NPA = "204,226,236,249,250,289,306,343,365,403,416,418,431,437,438,450,506,514,519,548,"
            + "579,581,587,604,613,639,647,672,705,709,742,778,780,782,807,819,825,867,873,902,905";
    static final String CARIBBEAN_NPA = "242,246,264,268,284,345,441,473,649,664,721,758,767,784,809,829,849,868,869,876";

    /** A carrier: how it prices the market. */
    record Carrier(String id, long seed, String increment, int coveragePercent, int nxxPerNpa, Set<String> skipsRegions,
            String caribbeanIncrement, String africaMobileConnectFee, int futureChanges, int pastChanges) {}

    static final List<Carrier> CARRIERS = List.of(
            new Carrier("atlas", 11, "60/60", 100, 40, Set.of(), "60/60", "0.0000", 5, 2),
            new Carrier("borealis", 22, "30/6", 93, 34, Set.of("Afghanistan", "Myanmar", "Venezuela"), "60/60",
                    "0.0000", 4, 3),
            new Carrier("cobalt", 33, "1/1", 97, 38, Set.of("Tanzania"), "60/60", "0.0050", 6, 2));

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java tools/GenerateRateDecks.java <outdir>");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        List<Line> market = market(new Random(SEED), 40);
        for (Carrier carrier : CARRIERS) {
            List<String> rows = deck(carrier, market);
            Path file = out.resolve(carrier.id() + ".csv.gz");
            try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(file), 1 << 16);
                    Writer w = new OutputStreamWriter(gz, StandardCharsets.UTF_8)) {
                w.write(HEADER);
                w.write('\n');
                for (String row : rows) {
                    w.write(row);
                    w.write('\n');
                }
            }
            System.out.printf("%s: %d rows, %d bytes%n", file, rows.size(), Files.size(file));
        }
    }

    // ---- the market: every prefix any carrier prices, with a base price ----

    static List<Line> market(Random rnd, int maxNxxPerNpa) {
        List<Line> lines = new ArrayList<>();
        nanp(rnd, lines, maxNxxPerNpa);
        List<Country> countries = new ArrayList<>(COUNTRIES);
        countries.add(brazil());
        for (Country country : countries) {
            expandCountry(country, rnd, lines);
        }
        return lines;
    }

    static Country brazil() {
        StringBuilder fixed = new StringBuilder();
        StringBuilder mobile = new StringBuilder();
        for (String ddd : BRAZIL_DDD.split(",")) {
            for (char d = '2'; d <= '5'; d++) {
                fixed.append(fixed.isEmpty() ? "" : ",").append(ddd).append(d);
            }
            mobile.append(mobile.isEmpty() ? "" : ",").append(ddd).append('9');
        }
        return new Country("55", "Brazil", "0.0070", "0.0250", fixed.toString(), mobile.toString(), 2500);
    }

    static void nanp(Random rnd, List<Line> lines, int nxxPerNpa) {
        for (String npa : US_NPA.split(",")) {
            npaWithExchanges("United States", npa, micros("0.0050"), micros("0.0050"), rnd, lines, nxxPerNpa);
        }
        for (String npa : US_OFFSHORE_NPA.split(",")) {
            npaWithExchanges("United States offshore", npa, micros("0.0150"), micros("0.0150"), rnd, lines, nxxPerNpa);
        }
        for (String npa : CANADA_NPA.split(",")) {
            npaWithExchanges("Canada", npa, micros("0.0060"), micros("0.0060"), rnd, lines, nxxPerNpa / 2);
        }
        for (String npa : CARIBBEAN_NPA.split(",")) {
            long fixed = micros("0.0500") + 100 * rnd.nextInt(1000);
            npaWithExchanges("Caribbean", npa, fixed, fixed * 2 + 100 * rnd.nextInt(300), rnd, lines, nxxPerNpa / 2);
        }
    }

    /**
     * An NPA line, then exchange (NXX) lines under it. Some exchanges of rural carriers cost
     * several times the NPA's price; in the Caribbean, about half the exchanges are mobile.
     */
    static void npaWithExchanges(String region, String npa, long fixedMicros, long mobileMicros, Random rnd,
            List<Line> lines, int exchanges) {
        lines.add(new Line("1", "1" + npa, Kind.FIXED, fixedMicros, true, region));
        Set<Integer> used = new HashSet<>();
        while (used.size() < exchanges) {
            int nxx = 200 + rnd.nextInt(800);
            if (nxx % 100 == 11 || nxx == 555 || !used.add(nxx)) {
                continue; // N11 codes are service codes; 555 is directory / fiction
            }
        }
        List<Integer> sorted = new ArrayList<>(used);
        Collections.sort(sorted);
        for (int nxx : sorted) {
            boolean mobile = fixedMicros != mobileMicros && rnd.nextBoolean();
            long base = mobile ? mobileMicros : fixedMicros;
            if (!mobile && rnd.nextInt(10) == 0) {
                base = base * (3 + rnd.nextInt(4)); // high-cost rural exchange
            }
            lines.add(new Line("1", "1" + npa + nxx, mobile ? Kind.MOBILE : Kind.FIXED, jitter(base, rnd), false, region));
        }
    }

    static void expandCountry(Country country, Random rnd, List<Line> lines) {
        List<String> fixed = blocks(country.fixedBlocks());
        List<String> mobile = blocks(country.mobileBlocks());
        Set<String> roots = new HashSet<>();
        fixed.forEach(b -> roots.add(country.cc() + b));
        mobile.forEach(b -> roots.add(country.cc() + b));
        int rows = country.rows() * COUNTRY_ROWS_PERCENT / 100;
        int fixedRows = mobile.isEmpty() ? rows : rows / 2;
        int mobileRows = rows - fixedRows;
        int maxLength = country.cc().length() + 6;
        for (String block : fixed) {
            expand(country, country.cc() + block, Kind.FIXED, micros(country.fixed()), fixedRows / fixed.size(), maxLength,
                    roots, true, rnd, lines);
        }
        for (String block : mobile) {
            expand(country, country.cc() + block, Kind.MOBILE, micros(country.mobile()), mobileRows / mobile.size(),
                    maxLength, roots, true, rnd, lines);
        }
    }

    /**
     * Emits {@code prefix}, then spends the rest of {@code budget} on a random subset of its ten
     * children, recursively: areas and operators get uneven, realistic depths. Children that are
     * the root of another range (Denmark's mobile 4530 inside fixed 453) are left to that range.
     */
    static void expand(Country country, String prefix, Kind kind, long base, int budget, int maxLength,
            Set<String> roots, boolean root, Random rnd, List<Line> lines) {
        lines.add(new Line(country.cc(), prefix, kind, root ? base : jitter(base, rnd), root, country.name()));
        int remaining = budget - 1;
        if (remaining <= 0 || prefix.length() >= maxLength) {
            return;
        }
        List<Integer> digits = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        Collections.shuffle(digits, rnd);
        int children = Math.min(remaining, 3 + rnd.nextInt(8));
        int[] weights = new int[children];
        int total = 0;
        for (int i = 0; i < children; i++) {
            weights[i] = 1 + rnd.nextInt(4);
            total += weights[i];
        }
        for (int i = 0; i < children; i++) {
            String child = prefix + digits.get(i);
            if (roots.contains(child)) {
                continue;
            }
            int share = Math.max(1, remaining * weights[i] / total);
            expand(country, child, kind, base, share, maxLength, roots, false, rnd, lines);
        }
    }

    // ---- a carrier's deck ----

    static List<String> deck(Carrier carrier, List<Line> market) {
        Random rnd = new Random(SEED ^ carrier.seed());
        Map<String, Integer> countryFactor = new LinkedHashMap<>();
        for (Line line : market) {
            countryFactor.computeIfAbsent(line.region(), r -> 85 + rnd.nextInt(41)); // 85..125 %
        }
        List<String> regions = new ArrayList<>(countryFactor.keySet());
        Collections.shuffle(regions, rnd);
        Map<String, LocalDate> changeDate = new LinkedHashMap<>();
        Map<String, Integer> changeFactor = new LinkedHashMap<>();
        for (int i = 0; i < carrier.futureChanges() + carrier.pastChanges(); i++) {
            String region = regions.get(i);
            changeDate.put(region, i < carrier.futureChanges() ? FUTURE_CHANGE : PAST_CHANGE);
            changeFactor.put(region, 80 + rnd.nextInt(51)); // 80..130 %: carriers cut prices as well as raise them
        }
        Map<String, Integer> nxxSeen = new LinkedHashMap<>();
        TreeMap<String, List<String>> rows = new TreeMap<>();
        for (Line line : market) {
            if (carrier.skipsRegions().contains(line.region())) {
                continue;
            }
            boolean nxx = line.cc().equals("1") && !line.root();
            if (nxx) {
                String npa = line.prefix().substring(0, 4);
                int seen = nxxSeen.merge(npa, 1, Integer::sum);
                if (seen > carrier.nxxPerNpa()) {
                    continue;
                }
            }
            if (!line.root() && rnd.nextInt(100) >= carrier.coveragePercent()) {
                continue;
            }
            long price = roundToTenthOfACent(line.baseMicros() * countryFactor.get(line.region()) / 100
                    * (95 + rnd.nextInt(11)) / 100);
            String increment = line.region().equals("Caribbean") ? carrier.caribbeanIncrement() : carrier.increment();
            boolean africa = line.cc().length() == 3 && line.cc().startsWith("2");
            String connectFee = africa && line.kind() == Kind.MOBILE ? carrier.africaMobileConnectFee() : "0.0000";
            List<String> versions = new ArrayList<>();
            versions.add(row(line.prefix(), price, connectFee, increment, BASE));
            LocalDate changed = changeDate.get(line.region());
            if (changed != null) {
                long newPrice = roundToTenthOfACent(price * changeFactor.get(line.region()) / 100);
                versions.add(row(line.prefix(), newPrice, connectFee, increment, changed));
            }
            rows.put(line.prefix(), versions);
        }
        List<String> out = new ArrayList<>();
        rows.values().forEach(out::addAll);
        return out;
    }

    static String row(String prefix, long perMinuteMicros, String connectFee, String increment, LocalDate from) {
        return prefix + "," + decimal(perMinuteMicros) + "," + connectFee + ",USD," + increment + "," + from;
    }

    // ---- money in integer micro-dollars ----

    static long micros(String decimal) {
        String[] parts = decimal.split("\\.");
        String fraction = (parts.length > 1 ? parts[1] : "") + "000000";
        return Long.parseLong(parts[0]) * 1_000_000L + Long.parseLong(fraction.substring(0, 6));
    }

    /** Deck prices have four decimals: rounded half up to 0.0001, and never below it. */
    static long roundToTenthOfACent(long micros) {
        return Math.max(100, (micros + 50) / 100 * 100);
    }

    static String decimal(long micros) {
        long tenThousandths = micros / 100;
        return (tenThousandths / 10_000) + "." + String.format(java.util.Locale.ROOT, "%04d", tenThousandths % 10_000);
    }

    /** Operators and areas within a range differ a little: 90..115 % of the range's price. */
    static long jitter(long base, Random rnd) {
        return base * (90 + rnd.nextInt(26)) / 100;
    }

    static List<String> blocks(String csv) {
        return csv.isEmpty() ? List.of() : List.of(csv.split(","));
    }
}
