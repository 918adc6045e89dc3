package dev.calling.benchmarks;

import dev.calling.adapters.routing.RateDeckCsv;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to turn a carrier's CSV deck into a {@link RateDeck}: what a function pays when it loads a
 * deck at cold start or on a deck update. Split into parsing (commons-csv, validation, exact
 * money) and compiling the trie, plus the whole path from a gzip file.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RateDeckLoadBenchmark {

    @Param("100000")
    public int rows;

    private String csv;
    private List<Rate> parsed;
    private Path gzipFile;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        csv = SyntheticDeck.of(rows, 42).csv();
        parsed = RateDeckCsv.readRates(new StringReader(csv), "synthetic");
        gzipFile = Files.createTempFile("deck", ".csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gzipFile))) {
            out.write(csv.getBytes(StandardCharsets.UTF_8));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(gzipFile);
    }

    @Benchmark
    public RateDeck parseAndCompile() {
        return RateDeckCsv.read(new StringReader(csv), "synthetic");
    }

    @Benchmark
    public List<Rate> parseOnly() {
        return RateDeckCsv.readRates(new StringReader(csv), "synthetic");
    }

    @Benchmark
    public RateDeck compileOnly() {
        return RateDeck.of(parsed);
    }

    @Benchmark
    public RateDeck loadGzipFile() throws IOException {
        return RateDeckCsv.load(gzipFile);
    }
}
