package dev.calling.core.privacy;

/** Port: each user's own privacy settings (what a user never set is off). */
public interface PrivacySettings {

    /**
     * A user's settings.
     *
     * @param silenceUnknownCallers calls from users they do not know ({@link KnownCallers}) never ring them: to
     *     the caller such a call rings unanswered, to them it is a missed call in their history
     */
    record Settings(boolean silenceUnknownCallers) {
        public static final Settings DEFAULTS = new Settings(false);
    }

    Settings of(String userId);

    /** Replaces the user's settings. */
    void put(String userId, Settings settings);
}
