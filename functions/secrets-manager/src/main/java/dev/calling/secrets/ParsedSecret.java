package dev.calling.secrets;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A {@link CachedSecret} read as a value of its own ({@code T}: a provider's credentials), parsed again only when the
 * secret's string changes (a rotation), so a use costs neither a Secrets Manager request nor a JSON parse.
 */
public final class ParsedSecret<T> implements Supplier<T> {

    private final CachedSecret secret;
    private final Function<String, T> parse;
    private String parsedFrom;
    private T parsed;

    /** @param parse reads the secret's string; throws (never quoting the value) when it is malformed */
    public ParsedSecret(CachedSecret secret, Function<String, T> parse) {
        this.secret = Objects.requireNonNull(secret);
        this.parse = Objects.requireNonNull(parse);
    }

    @Override
    public synchronized T get() {
        String value = secret.get();
        if (!value.equals(parsedFrom)) {
            parsed = parse.apply(value);
            parsedFrom = value;
        }
        return parsed;
    }

    /** The provider refused the value in hand: {@link CachedSecret#invalidate()}. */
    public boolean invalidate() {
        return secret.invalidate();
    }
}
