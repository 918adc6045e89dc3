package dev.calling.switching.chime;

import java.time.Duration;
import java.util.Objects;

/**
 * How the Chime switch sets meetings up.
 *
 * @param mediaRegion where each call's media is hosted (a Chime SDK media region, e.g. {@code us-east-1};
 *     nearest to the users keeps latency low)
 * @param keepRecords how long a call's media record (and, after the call, its tombstone) is kept
 */
public record MeetingSettings(String mediaRegion, Duration keepRecords) {

    public MeetingSettings {
        Objects.requireNonNull(mediaRegion, "mediaRegion");
        if (keepRecords.isNegative() || keepRecords.isZero()) {
            throw new IllegalArgumentException("keepRecords must be positive: " + keepRecords);
        }
    }

    public static MeetingSettings in(String mediaRegion) {
        return new MeetingSettings(mediaRegion, Duration.ofDays(2));
    }
}
