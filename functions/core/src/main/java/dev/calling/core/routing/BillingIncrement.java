package dev.calling.core.routing;

/**
 * How call time is counted: a first block of {@code firstSeconds}, then blocks of
 * {@code nextSeconds} (60/60, 30/6, 1/1 ...). A call of 0 seconds counts nothing.
 */
public record BillingIncrement(int firstSeconds, int nextSeconds) {

    public static final BillingIncrement PER_MINUTE = new BillingIncrement(60, 60);
    public static final BillingIncrement THIRTY_SIX = new BillingIncrement(30, 6);
    public static final BillingIncrement PER_SECOND = new BillingIncrement(1, 1);

    public BillingIncrement {
        if (firstSeconds < 1 || nextSeconds < 1) {
            throw new IllegalArgumentException("increments must be at least 1 s: " + firstSeconds + "/" + nextSeconds);
        }
    }

    /** Parses {@code "30/6"}. */
    public static BillingIncrement parse(String text) {
        String[] parts = text.trim().split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("billing increment must look like 60/60: " + text);
        }
        return new BillingIncrement(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
    }

    /** The seconds billed for a call that lasted {@code seconds}. */
    public long billableSeconds(long seconds) {
        if (seconds <= 0) {
            return 0;
        }
        if (seconds <= firstSeconds) {
            return firstSeconds;
        }
        long rest = seconds - firstSeconds;
        return firstSeconds + ((rest + nextSeconds - 1) / nextSeconds) * nextSeconds;
    }

    @Override
    public String toString() {
        return firstSeconds + "/" + nextSeconds;
    }
}
