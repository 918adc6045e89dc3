package dev.calling.carrier.rest;

import java.util.List;
import java.util.Optional;

/**
 * Each carrier's webhook signing secrets (a callback signed with any of them is authentic; more than
 * one while a secret is being rotated); empty for a carrier we do not know.
 */
@FunctionalInterface
public interface WebhookSecrets {
    Optional<CarrierSecret<List<String>>> secretFor(String providerId);
}
