package dev.calling.benchmarks;

import dev.calling.adapters.routing.RateDeckCsv;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Prints the size of the benchmark deck and of the shipped decks: lines, trie nodes and the bytes
 * of the trie's own arrays, which JMH does not measure. The bytes are computed from RateDeck's
 * layout (an int[10] slot row and a Rate[] reference per node, a Rate[] per prefix) for a 64-bit
 * JVM with compressed references; the Rate objects themselves are not counted, a scan holds them too.
 *
 * <p>Usage: {@code DeckStats [rate-decks dir]}.
 */
public final class DeckStats {

    private static final int ARRAY_HEADER = 16;
    private static final int REFERENCE = 4;

    public static void main(String[] args) throws IOException {
        System.out.printf("%-22s %8s %9s %9s %12s%n", "deck", "lines", "prefixes", "nodes", "trie bytes");
        print("synthetic-100000", SyntheticDeck.of(100_000, 42).rates());
        Path dir = Path.of(args.length > 0 ? args[0] : "rate-decks");
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".csv.gz")).sorted().toList()) {
                    try (var reader = new java.io.InputStreamReader(new java.util.zip.GZIPInputStream(
                            Files.newInputStream(file)), java.nio.charset.StandardCharsets.UTF_8)) {
                        print(file.getFileName().toString(), RateDeckCsv.readRates(reader, file.toString()));
                    }
                }
            }
        }
    }

    private static void print(String name, List<Rate> rates) {
        RateDeck deck = RateDeck.of(rates);
        Map<String, Long> linesPerPrefix = rates.stream()
                .collect(Collectors.groupingBy(Rate::prefix, Collectors.counting()));
        long nodes = deck.nodeCount();
        long bytes = align(ARRAY_HEADER + nodes * 10 * Integer.BYTES) // children
                + align(ARRAY_HEADER + nodes * REFERENCE)              // Rate[][] per node
                + linesPerPrefix.values().stream().mapToLong(n -> align(ARRAY_HEADER + n * REFERENCE)).sum();
        System.out.printf("%-22s %8d %9d %9d %12d  (%.1f MiB, %.0f bytes/line)%n", name, deck.size(),
                linesPerPrefix.size(), nodes, bytes, bytes / 1048576.0, (double) bytes / deck.size());
    }

    private static long align(long bytes) {
        return (bytes + 7) / 8 * 8;
    }
}
