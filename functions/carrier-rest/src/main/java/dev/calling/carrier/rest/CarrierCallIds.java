package dev.calling.carrier.rest;

import dev.calling.adapters.carrier.FailedDial;
import java.util.regex.Pattern;

/**
 * The shape the protocol allows for the carrier's call ids. Keeping them to letters, digits,
 * {@code _} and {@code -} means they are safe in a URL path and can never collide with the
 * {@link FailedDial} marker (which contains colons).
 */
final class CarrierCallIds {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private CarrierCallIds() {}

    static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }
}
