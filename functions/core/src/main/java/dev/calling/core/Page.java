package dev.calling.core;

import java.util.List;
import java.util.Optional;

/**
 * One page of a list, newest first, and where the next page starts ({@code next} is opaque to the
 * caller and empty on the last page).
 */
public record Page<T>(List<T> items, Optional<String> next) {

    public Page {
        items = List.copyOf(items);
    }
}
