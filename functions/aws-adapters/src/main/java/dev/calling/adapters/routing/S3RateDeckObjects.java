package dev.calling.adapters.routing;

import dev.calling.adapters.Resources;
import dev.calling.core.operator.RateDeckObjects;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.routing.RateDeckObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Carriers' cost decks in the rate-decks bucket ({@link Resources#RATE_DECK_OBJECTS}), CSV as {@link RateDeckCsv}
 * reads them (a key ending in {@code .gz} is gunzipped). A deck is read by the version it was validated as: by its
 * version id where the bucket is versioned (as in AWS), else by its ETag ({@code If-Match}), so an overwritten key
 * never changes a scheduled deck: the old version is read, or the read fails and the schedule falls back.
 */
public final class S3RateDeckObjects implements RateDeckObjects {

    private final Supplier<S3Client> factory;
    private final String bucket;
    private S3Client s3;

    /**
     * @param s3 asked for the client once, on the first read (the call state manager's cold start builds none, and
     *     a container whose carriers have no scheduled deck never does)
     */
    public S3RateDeckObjects(Supplier<S3Client> s3, String bucket) {
        this.factory = s3;
        this.bucket = bucket;
    }

    private synchronized S3Client s3() {
        if (s3 == null) {
            s3 = factory.get();
        }
        return s3;
    }

    @Override
    public Validated validate(String key) {
        GetObjectRequest request = GetObjectRequest.builder().bucket(bucket).key(key).build();
        try (ResponseInputStream<GetObjectResponse> in = s3().getObject(request)) {
            RateDeck deck = RateDeckCsv.load(in, key);
            if (deck.size() == 0) {
                throw new Unusable("rate deck " + key + " has no rates");
            }
            GetObjectResponse response = in.response();
            return new Validated(new RateDeckObject(key, versionId(response), response.eTag()), deck.size(),
                    deck.currency().orElseThrow());
        } catch (NoSuchKeyException missing) {
            throw new Unusable("no object " + key + " in the " + Resources.RATE_DECK_OBJECTS.name() + " bucket");
        } catch (RateDeckCsv.InvalidRateDeck invalid) {
            throw new Unusable(invalid.getMessage());
        } catch (IOException e) {
            throw new Unusable("rate deck " + key + " could not be read: " + e.getMessage());
        }
    }

    /**
     * Reads and compiles the deck {@code object} names, that version only.
     *
     * @throws RateDeckCsv.InvalidRateDeck if it is not a valid deck
     * @throws software.amazon.awssdk.core.exception.SdkException if it cannot be read (gone, changed, S3 down)
     */
    public RateDeck load(RateDeckObject object) {
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(bucket).key(object.key());
        object.versionId().ifPresentOrElse(request::versionId, () -> request.ifMatch(object.eTag()));
        try (ResponseInputStream<GetObjectResponse> in = s3().getObject(request.build())) {
            return RateDeckCsv.load(in, object.key());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rate deck " + object.key(), e);
        }
    }

    /** The version S3 names; an unversioned bucket sends none (a suspended one the literal "null"). */
    private static Optional<String> versionId(GetObjectResponse response) {
        return Optional.ofNullable(response.versionId()).filter(v -> !v.isBlank() && !v.equals("null"));
    }
}
