package dev.calling.resilience;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Log levels for the suites, and the machine's load for the record. */
final class Quiet {

    private Quiet() {}

    /**
     * The functions log every failed message at ERROR, which under injected faults is thousands of
     * lines: they are off unless {@code verbose}; the suites print their own summary.
     */
    static void logs(boolean verbose) {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %3$s: %5$s%6$s%n");
        Logger root = Logger.getLogger("");
        Level level = verbose ? Level.WARNING : Level.OFF;
        root.setLevel(level);
        for (Handler handler : root.getHandlers()) {
            handler.setLevel(level);
            handler.setFormatter(new SimpleFormatter());
        }
    }

    /** The 1, 5 and 15 minute load averages, or "unknown". */
    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** A driver's run, given where it prints; returns the process exit code. */
    @FunctionalInterface
    interface Run {
        int run(java.io.PrintStream out) throws Exception;
    }

    /**
     * Runs a driver between two lines with the machine's load average and exits with its code (2 if it
     * threw): the figures of a shared machine mean little without them.
     */
    static void runAndExit(Run driver) {
        java.io.PrintStream out = System.out;
        out.printf(java.util.Locale.ROOT, "load average at start: %s (%d cores)%n", loadAverage(),
                Runtime.getRuntime().availableProcessors());
        int exit;
        try {
            exit = driver.run(out);
        } catch (Exception | Error e) {
            e.printStackTrace();
            exit = 2;
        }
        out.printf(java.util.Locale.ROOT, "load average at the end: %s%n", loadAverage());
        out.flush();
        System.exit(exit);
    }
}
