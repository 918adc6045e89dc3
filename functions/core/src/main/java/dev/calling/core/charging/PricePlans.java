package dev.calling.core.charging;

/** Port: which retail price plan a user is on. */
public interface PricePlans {

    PricePlan planOf(String userId);
}
