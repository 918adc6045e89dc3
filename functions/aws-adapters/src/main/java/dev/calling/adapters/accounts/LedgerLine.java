package dev.calling.adapters.accounts;

import static dev.calling.adapters.dynamodb.Attributes.n;
import static dev.calling.adapters.dynamodb.Attributes.s;

import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.charging.LedgerEntry.Kind;
import dev.calling.core.money.Money;
import java.time.Instant;
import java.util.Currency;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One ledger line as {@link DynamoDbAccounts} records it: first as a value of the ACCOUNT item's
 * {@code pending} map (keyed by its sequence number), then as its own {@code ledger#<seq>} item.
 * Both forms hold the same attributes, so writing the item from the map value is a copy.
 *
 * @param writer on settlement lines only: a random token of the settle call that wrote the line, so
 *     that call can tell its own write (whose response was lost) from a duplicate's; null otherwise
 * @param note on an operator's lines only (top-ups and adjustments made through the operator API): the reason
 *     and the operator ({@code reason}, {@code by} attributes, on the line and its marker); null otherwise
 */
record LedgerLine(long sequence, Kind kind, String reference, long amount, long balanceAfter, long reservedAfter,
        Currency currency, Instant at, String writer, LedgerEntry.Note note) {

    /** A line without an operator's note. */
    LedgerLine(long sequence, Kind kind, String reference, long amount, long balanceAfter, long reservedAfter,
            Currency currency, Instant at, String writer) {
        this(sequence, kind, reference, amount, balanceAfter, reservedAfter, currency, at, writer, null);
    }

    static final String LEDGER_PREFIX = "ledger#";
    static final String MARKER_PREFIX = "ref#";

    static String ledgerKey(long sequence) {
        return LEDGER_PREFIX + String.format("%019d", sequence);
    }

    static String markerKey(Kind kind, String reference) {
        return MARKER_PREFIX + kind.name() + "#" + reference;
    }

    /**
     * Top-ups, reservations, settlements (what a later refund gives back from) and refunds are remembered for
     * good by a marker; a release is told by the hold it removed.
     */
    boolean hasMarker() {
        return kind != Kind.RELEASE;
    }

    boolean is(Kind otherKind, String otherReference) {
        return kind == otherKind && reference.equals(otherReference);
    }

    Money money() {
        return new Money(amount, currency);
    }

    LedgerEntry toEntry(String userId) {
        return new LedgerEntry(userId, kind, reference, money(), new Money(balanceAfter, currency),
                new Money(reservedAfter, currency), at, java.util.Optional.ofNullable(note));
    }

    /** The value in the ACCOUNT item's {@code pending} map (the sequence is the map key). */
    AttributeValue pendingValue() {
        return AttributeValue.fromM(attributes());
    }

    static LedgerLine fromPending(String sequence, AttributeValue value) {
        return from(Long.parseLong(sequence), value.m());
    }

    /** The {@code ledger#<seq>} item. */
    Map<String, AttributeValue> ledgerItem(String userId) {
        Map<String, AttributeValue> item = attributes();
        item.put("userId", s(userId));
        item.put("entryKey", s(ledgerKey(sequence)));
        item.put("sequence", n(sequence));
        return item;
    }

    static LedgerLine fromLedgerItem(Map<String, AttributeValue> item) {
        return from(Long.parseLong(item.get("entryKey").s().substring(LEDGER_PREFIX.length())), item);
    }

    /**
     * The {@code ref#<KIND>#<reference>} marker: what a repeated top-up is checked against, what a
     * repeated reservation returns, and the sequence of the line it stands for.
     */
    Map<String, AttributeValue> markerItem(String userId) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("userId", s(userId));
        item.put("entryKey", s(markerKey(kind, reference)));
        item.put("kind", s(kind.name()));
        item.put("reference", s(reference));
        item.put("amount", n(amount));
        item.put("currency", s(currency.getCurrencyCode()));
        item.put("at", s(at.toString()));
        item.put("sequence", n(sequence));
        putNote(item);
        return item;
    }

    /** The reason and operator a marker remembers, null when it has none (not an operator's line). */
    static LedgerEntry.Note noteOf(Map<String, AttributeValue> item) {
        AttributeValue reason = item.get("reason");
        AttributeValue by = item.get("by");
        return reason == null || by == null ? null : new LedgerEntry.Note(reason.s(), by.s());
    }

    private void putNote(Map<String, AttributeValue> item) {
        if (note != null) {
            item.put("reason", s(note.reason()));
            item.put("by", s(note.by()));
        }
    }

    private Map<String, AttributeValue> attributes() {
        Map<String, AttributeValue> value = new HashMap<>();
        value.put("kind", s(kind.name()));
        value.put("reference", s(reference));
        value.put("amount", n(amount));
        value.put("balanceAfter", n(balanceAfter));
        value.put("reservedAfter", n(reservedAfter));
        value.put("currency", s(currency.getCurrencyCode()));
        value.put("at", s(at.toString()));
        if (writer != null) {
            value.put("writer", s(writer));
        }
        putNote(value);
        return value;
    }

    private static LedgerLine from(long sequence, Map<String, AttributeValue> value) {
        AttributeValue writer = value.get("writer");
        return new LedgerLine(sequence, Kind.valueOf(value.get("kind").s()), value.get("reference").s(),
                number(value, "amount"), number(value, "balanceAfter"), number(value, "reservedAfter"),
                Currency.getInstance(value.get("currency").s()), Instant.parse(value.get("at").s()),
                writer == null ? null : writer.s(), noteOf(value));
    }

    private static long number(Map<String, AttributeValue> value, String name) {
        return Long.parseLong(value.get(name).n());
    }
}
