package dev.calling.carrier.twilio;

/** Phone numbers in logs: never in full (CONVENTIONS.md, "Logs as data"). */
final class PhoneNumbers {

    private PhoneNumbers() {}

    /** {@code +4420…50}: enough to tell countries and calls apart, not enough to dial. */
    static String redact(String number) {
        if (number == null) {
            return "null";
        }
        if (number.length() <= 7) {
            return "…";
        }
        return number.substring(0, 5) + "…" + number.substring(number.length() - 2);
    }
}
