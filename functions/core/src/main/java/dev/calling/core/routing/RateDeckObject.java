package dev.calling.core.routing;

import java.util.Objects;
import java.util.Optional;

/**
 * One stored rate deck file: its key in the rate-decks bucket and the version that was validated, by the bucket's
 * version id where the bucket is versioned and by its ETag (the content's) always. A schedule names this, not the
 * key alone, so that overwriting the key never changes a deck already scheduled.
 */
public record RateDeckObject(String key, Optional<String> versionId, String eTag) {

    public RateDeckObject {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(versionId, "versionId");
        Objects.requireNonNull(eTag, "eTag");
    }
}
