package dev.calling.adapters.dynamodb;

import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Small helpers for reading and writing item attributes, shared by every DynamoDB adapter. */
public final class Attributes {

    private Attributes() {}

    public static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    public static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    public static void putIfPresent(Map<String, AttributeValue> item, String name, Instant value) {
        if (value != null) {
            item.put(name, s(value.toString()));
        }
    }

    public static void putIfPresent(Map<String, AttributeValue> item, String name, String value) {
        if (value != null) {
            item.put(name, s(value));
        }
    }

    public static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    public static Instant instant(Map<String, AttributeValue> item, String name) {
        String value = string(item, name);
        return value == null ? null : Instant.parse(value);
    }

    public static long number(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? 0 : Long.parseLong(value.n());
    }
}
