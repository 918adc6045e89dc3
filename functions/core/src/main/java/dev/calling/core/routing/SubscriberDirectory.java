package dev.calling.core.routing;

/** Port: users' phone numbers and plans. */
public interface SubscriberDirectory {

    /** The subscriber, or {@link Subscriber#appOnly} for a user with nothing on record. */
    Subscriber subscriber(String userId);
}
