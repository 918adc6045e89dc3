package dev.calling.carrier.rest;

import java.util.Optional;

/** Each carrier's shared webhook secret; empty for a carrier we do not know. */
@FunctionalInterface
public interface WebhookSecrets {
    Optional<String> secretFor(String providerId);
}
