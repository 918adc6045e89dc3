package dev.calling.adapters.carrier;

import static dev.calling.adapters.dynamodb.Attributes.number;
import static dev.calling.adapters.dynamodb.Attributes.string;

import dev.calling.adapters.Resources;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The {@code carrier-legs} table (see {@link Resources#CARRIER_LEGS}): which carrier leg belongs
 * to which call attempt, in both directions, and the numbering of each leg's reports. Every
 * write is conditional and idempotent, so carrier adapters and their webhook handlers can repeat
 * them after a retry.
 */
public final class DynamoDbCarrierLegs {

    static final Duration KEEP_FOR = Duration.ofDays(2);

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Clock clock;

    public DynamoDbCarrierLegs(DynamoDbClient dynamoDb, String table, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.clock = clock;
    }

    /**
     * Remembers that attempt {@code attempt} of {@code callId} is the carrier's leg
     * {@code carrierLegId}. Registering the same leg again changes nothing (both the carrier
     * adapter, when the carrier answers its request, and the carrier's first report may register).
     *
     * @throws IllegalStateException when the attempt is already registered to another leg
     */
    public void register(String callId, int attempt, String providerId, String carrierLegId) {
        long expiresAt = clock.instant().plus(KEEP_FOR).getEpochSecond();
        Map<String, AttributeValue> common = new HashMap<>();
        common.put("callId", AttributeValue.fromS(callId));
        common.put("attempt", AttributeValue.fromN(Integer.toString(attempt)));
        common.put("providerId", AttributeValue.fromS(providerId));
        common.put("carrierLegId", AttributeValue.fromS(carrierLegId));
        common.put("expiresAt", AttributeValue.fromN(Long.toString(expiresAt)));

        Map<String, AttributeValue> byCall = new HashMap<>(common);
        byCall.put("legKey", AttributeValue.fromS(callKey(callId, attempt)));
        putIfAbsent(byCall);
        CarrierLeg registered = byCall(callId, attempt).orElseThrow();
        if (!registered.carrierLegId().equals(carrierLegId) || !registered.providerId().equals(providerId)) {
            throw new IllegalStateException("attempt " + attempt + " of call " + callId + " is already leg "
                    + registered.providerId() + "/" + registered.carrierLegId() + ", not " + providerId + "/" + carrierLegId);
        }

        Map<String, AttributeValue> byLeg = new HashMap<>(common);
        byLeg.put("legKey", AttributeValue.fromS(legKey(providerId, carrierLegId)));
        byLeg.put("lastCarrierSequence", AttributeValue.fromN("0"));
        byLeg.put("reportsIssued", AttributeValue.fromN("0"));
        putIfAbsent(byLeg);
    }

    private void putIfAbsent(Map<String, AttributeValue> item) {
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(legKey)"));
        } catch (ConditionalCheckFailedException alreadyThere) {
            // registered before: nothing to do
        }
    }

    /** The leg of attempt {@code attempt} of {@code callId}, as the carrier adapter knows it. */
    public Optional<CarrierLeg> byCall(String callId, int attempt) {
        return get(callKey(callId, attempt)).map(item -> byCarrierLeg(string(item, "providerId"), string(item, "carrierLegId"))
                .orElseGet(() -> leg(item)));
    }

    /**
     * The carrier call of attempt {@code attempt} of {@code callId}: its leg, unless the attempt never got
     * one (no leg, or a {@link FailedDial} marker in its place).
     */
    public Optional<CarrierLeg> liveLeg(String callId, int attempt) {
        return byCall(callId, attempt).filter(leg -> FailedDial.sipCodeOf(leg.carrierLegId()).isEmpty());
    }

    /** The leg the carrier calls {@code carrierLegId}, with its report numbering. */
    public Optional<CarrierLeg> byCarrierLeg(String providerId, String carrierLegId) {
        return get(legKey(providerId, carrierLegId)).map(DynamoDbCarrierLegs::leg);
    }

    /**
     * Records that carrier report {@code carrierSequence} of {@code leg} was handled, and whether
     * it produced a call event. Call it after the event is published. Returns false when another
     * handler advanced the leg first (a duplicate delivery of the same report running at the same
     * time); the event both published is the same, so nothing is lost or doubled.
     */
    public boolean advance(CarrierLeg leg, long carrierSequence, boolean issuedEvent) {
        if (leg.hasSeen(carrierSequence)) {
            return false;
        }
        try {
            dynamoDb.updateItem(r -> r.tableName(table)
                    .key(Map.of("legKey", AttributeValue.fromS(legKey(leg.providerId(), leg.carrierLegId()))))
                    .updateExpression("SET lastCarrierSequence = :next, reportsIssued = :issued")
                    .conditionExpression("lastCarrierSequence = :last AND reportsIssued = :before")
                    .expressionAttributeValues(Map.of(
                            ":next", AttributeValue.fromN(Long.toString(carrierSequence)),
                            ":issued", AttributeValue.fromN(Long.toString(leg.reportsIssued() + (issuedEvent ? 1 : 0))),
                            ":last", AttributeValue.fromN(Long.toString(leg.lastCarrierSequence())),
                            ":before", AttributeValue.fromN(Long.toString(leg.reportsIssued())))));
            return true;
        } catch (ConditionalCheckFailedException movedOn) {
            return false;
        }
    }

    private Optional<Map<String, AttributeValue>> get(String key) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of("legKey", AttributeValue.fromS(key)))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
    }

    private static CarrierLeg leg(Map<String, AttributeValue> item) {
        return new CarrierLeg(string(item, "callId"), (int) number(item, "attempt"), string(item, "providerId"),
                string(item, "carrierLegId"), number(item, "lastCarrierSequence"), number(item, "reportsIssued"));
    }

    static String callKey(String callId, int attempt) {
        return "call#" + callId + "#" + attempt;
    }

    static String legKey(String providerId, String carrierLegId) {
        return "leg#" + providerId + "#" + carrierLegId;
    }
}
