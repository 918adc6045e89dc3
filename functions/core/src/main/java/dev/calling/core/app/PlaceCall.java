package dev.calling.core.app;

import dev.calling.core.routing.EmergencyNumbers;
import dev.calling.core.routing.PhoneNumber;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What an app asks for when it places a call: another user ({@code calleeUserId}) or a phone number
 * ({@code phoneNumber}, E.164), exactly one; optionally the connection to call from (else the
 * caller's most recently seen live connection); and the {@code idempotencyKey} that makes a retry
 * return the same call. Checked on construction: a {@link RequestRefused} says what is wrong.
 */
public record PlaceCall(String idempotencyKey, Optional<String> calleeUserId, Optional<PhoneNumber> phoneNumber,
        Optional<String> connectionId) {

    /** Printable ASCII without spaces, as most APIs that take an Idempotency-Key accept (a UUID fits). */
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");
    /** User ids are the identity provider's subjects (a Cognito sub is a UUID); be generous, not unbounded. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9@._:+=-]{1,128}");

    public PlaceCall {
        if (idempotencyKey == null || !KEY.matcher(idempotencyKey).matches()) {
            throw new RequestRefused(Refusal.INVALID_REQUEST,
                    "an Idempotency-Key header of 1-255 printable ASCII characters is required (a UUID per new call)");
        }
        if (calleeUserId.isPresent() == phoneNumber.isPresent()) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "give exactly one of calleeUserId and phoneNumber");
        }
        calleeUserId.ifPresent(id -> requireId("calleeUserId", id));
        connectionId.ifPresent(id -> requireId("connectionId", id));
    }

    /**
     * Builds the request from the raw fields an app sent; the phone number must be E.164 ("+" and digits), and
     * not an emergency number ({@link EmergencyNumbers}), which is refused with its own reason.
     */
    public static PlaceCall of(String idempotencyKey, String calleeUserId, String phoneNumber, String connectionId) {
        Optional<PhoneNumber> number = Optional.empty();
        if (phoneNumber != null) {
            if (EmergencyNumbers.isEmergency(phoneNumber)) {
                throw new RequestRefused(Refusal.EMERGENCY_CALLS_NOT_SUPPORTED, EmergencyNumbers.DISCLOSURE);
            }
            if (!phoneNumber.startsWith("+")) {
                throw new RequestRefused(Refusal.INVALID_PHONE_NUMBER,
                        "phoneNumber must be in E.164 form, '+' then country code and number: '" + phoneNumber + "'");
            }
            try {
                number = Optional.of(PhoneNumber.parse(phoneNumber));
            } catch (PhoneNumber.InvalidPhoneNumber e) {
                throw new RequestRefused(Refusal.INVALID_PHONE_NUMBER, e.getMessage());
            }
            if (!number.get().e164().equals(phoneNumber)) {
                throw new RequestRefused(Refusal.INVALID_PHONE_NUMBER, "phoneNumber must be in E.164 form without "
                        + "spaces or punctuation: '" + phoneNumber + "' (did you mean " + number.get().e164() + "?)");
            }
        }
        return new PlaceCall(idempotencyKey, Optional.ofNullable(calleeUserId), number, Optional.ofNullable(connectionId));
    }

    public static void requireId(String field, String value) {
        if (!ID.matcher(value).matches()) {
            throw new RequestRefused(Refusal.INVALID_REQUEST,
                    field + " must be 1-128 characters of letters, digits and @._:+=-");
        }
    }

    /**
     * The call's id: the same for the same caller and key, so a retry names the same call, and
     * unguessable from the key alone. 128 bits of SHA-256.
     */
    public String callIdFor(String callerUserId) {
        return "call-" + sha256(callerUserId + "\n" + idempotencyKey).substring(0, 32);
    }

    /** What was asked for, to tell a retry (same fingerprint) from another request reusing the key. */
    public String fingerprint() {
        return sha256("callee=" + calleeUserId.orElse("") + "\nnumber=" + phoneNumber.map(PhoneNumber::e164).orElse("")
                + "\nconnection=" + connectionId.orElse(""));
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
