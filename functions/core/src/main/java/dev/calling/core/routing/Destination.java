package dev.calling.core.routing;

import java.util.Objects;
import java.util.Optional;

/** Whom a call is for: another app user (who may also have a phone number), or a dialled number. */
public sealed interface Destination {

    record AppUser(String userId, Optional<PhoneNumber> phoneNumber) implements Destination {
        public AppUser {
            Objects.requireNonNull(userId, "userId");
            Objects.requireNonNull(phoneNumber, "phoneNumber");
        }
    }

    record Dialled(PhoneNumber number) implements Destination {
        public Dialled {
            Objects.requireNonNull(number, "number");
        }
    }
}
