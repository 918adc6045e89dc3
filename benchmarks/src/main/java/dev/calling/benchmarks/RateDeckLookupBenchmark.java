package dev.calling.benchmarks;

import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to price one number: the compiled trie ({@link RateDeck#lookup}) against a scan of every
 * line ({@link NaiveRateScan}), on the same deck and the same numbers. Routing prices each call
 * once per carrier, so this is on the path of every PSTN call set-up.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RateDeckLookupBenchmark {

    /** A power of two, so the next number is an AND, not a division. */
    private static final int NUMBERS = 1 << 14;

    @Param("100000")
    public int prefixes;

    private RateDeck trie;
    private NaiveRateScan naive;
    private String[] numbers;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        SyntheticDeck deck = SyntheticDeck.of(prefixes, 42);
        trie = RateDeck.of(deck.rates());
        naive = new NaiveRateScan(deck.rates());
        numbers = deck.numbers(NUMBERS, 43);
        for (String number : numbers) {
            if (!trie.lookup(number, SyntheticDeck.DAY).equals(naive.lookup(number, SyntheticDeck.DAY))) {
                throw new IllegalStateException("trie and scan disagree on " + number);
            }
        }
    }

    private String nextNumber() {
        return numbers[next++ & (NUMBERS - 1)];
    }

    @Benchmark
    public Optional<Rate> trie() {
        return trie.lookup(nextNumber(), SyntheticDeck.DAY);
    }

    @Benchmark
    public Optional<Rate> naiveScan() {
        return naive.lookup(nextNumber(), SyntheticDeck.DAY);
    }
}
