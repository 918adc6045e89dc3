package dev.calling.core.app;

import dev.calling.core.privacy.PrivacySettings;
import java.util.Objects;

/** An app user's own settings: read them, replace them. */
public final class MySettings {

    private final PrivacySettings settings;

    public MySettings(PrivacySettings settings) {
        this.settings = Objects.requireNonNull(settings);
    }

    public PrivacySettings.Settings get(String userId) {
        return settings.of(userId);
    }

    /** Replaces the user's settings and returns them as stored; the same request again changes nothing. */
    public PrivacySettings.Settings put(String userId, PrivacySettings.Settings replacement) {
        settings.put(userId, Objects.requireNonNull(replacement));
        return replacement;
    }
}
