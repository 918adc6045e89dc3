package dev.calling.core.charging;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * When a price plan's peak prices apply: on {@code days}, from {@code from} (inclusive) to
 * {@code to} (exclusive), local time in {@code zone}. A call is priced by the band it was
 * placed in, for its whole length (its price is fixed when its money is reserved).
 */
public record PeakHours(ZoneId zone, Set<DayOfWeek> days, LocalTime from, LocalTime to) {

    public PeakHours {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        days = Set.copyOf(days);
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("peak hours must start before they end: " + from + "-" + to);
        }
    }

    /** Peak around the clock: a plan without an off-peak band. */
    public static PeakHours always() {
        return new PeakHours(ZoneId.of("UTC"), EnumSet.allOf(DayOfWeek.class), LocalTime.MIN, LocalTime.MAX);
    }

    /** Monday to Friday, {@code from} to {@code to} in {@code zone}. */
    public static PeakHours weekdays(ZoneId zone, LocalTime from, LocalTime to) {
        return new PeakHours(zone, EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), from, to);
    }

    public boolean isPeak(Instant at) {
        ZonedDateTime local = at.atZone(zone);
        LocalTime time = local.toLocalTime();
        return days.contains(local.getDayOfWeek()) && !time.isBefore(from) && time.isBefore(to);
    }
}
