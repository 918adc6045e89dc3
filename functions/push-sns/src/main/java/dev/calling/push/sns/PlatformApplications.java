package dev.calling.push.sns;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The ARN of the SNS platform application for each {@link SnsPlatform}, each optional: a push whose platform
 * has no application is not sent (a deployment without iOS, or without the sandbox).
 */
public final class PlatformApplications {

    private final Map<SnsPlatform, String> arns;

    private PlatformApplications(Map<SnsPlatform, String> arns) {
        this.arns = Map.copyOf(arns);
    }

    public static PlatformApplications none() {
        return new PlatformApplications(Map.of());
    }

    public static PlatformApplications of(Map<SnsPlatform, String> arns) {
        Map<SnsPlatform, String> present = new EnumMap<>(SnsPlatform.class);
        arns.forEach((platform, arn) -> {
            if (arn != null && !arn.isBlank()) {
                present.put(platform, arn.strip());
            }
        });
        return new PlatformApplications(present);
    }

    /** The same applications with {@code platform}'s set to {@code arn} (or removed, for an empty one). */
    public PlatformApplications with(SnsPlatform platform, Optional<String> arn) {
        Map<SnsPlatform, String> changed = new EnumMap<>(SnsPlatform.class);
        changed.putAll(arns);
        changed.remove(platform);
        arn.ifPresent(value -> changed.put(platform, value));
        return of(changed);
    }

    public Optional<String> arn(SnsPlatform platform) {
        return Optional.ofNullable(arns.get(platform));
    }

    @Override
    public String toString() {
        return "PlatformApplications" + arns.keySet();
    }
}
