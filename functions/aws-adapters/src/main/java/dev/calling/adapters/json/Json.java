package dev.calling.adapters.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.calling.core.call.Attempt;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Charging;
import dev.calling.core.call.TimelineEntry;
import dev.calling.core.routing.Route;
import dev.calling.core.session.ConnectionEvent;
import java.util.List;

/**
 * The wire format of queue messages and of the nested parts of stored records. Events and
 * commands are JSON objects whose {@code type} is the record's simple name ({@code CallAnswered},
 * {@code ConnectionOpened}, ...), times are ISO-8601 UTC. The core stays free of JSON
 * annotations: the type information is attached here with mix-ins.
 */
public final class Json {

    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    private interface Typed {}

    private static final ObjectMapper MAPPER = createMapper();

    /** Views for apps (API responses, pushes): plain records, absent fields left out. */
    private static final ObjectMapper VIEWS = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private static final TypeReference<List<CallEvent>> EVENTS = new TypeReference<>() {};
    private static final TypeReference<List<CallCommand>> COMMANDS = new TypeReference<>() {};
    private static final TypeReference<List<Call.Handling>> HANDLINGS = new TypeReference<>() {};
    private static final TypeReference<List<TimelineEntry>> TIMELINE = new TypeReference<>() {};
    private static final TypeReference<List<Attempt>> ATTEMPTS = new TypeReference<>() {};
    private static final TypeReference<List<Route.ProviderOption>> PROVIDER_OPTIONS = new TypeReference<>() {};

    private Json() {}

    private static ObjectMapper createMapper() {
        ObjectMapper mapper = new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                // Newer producers may add fields; unknown ones are ignored, missing required ones still fail.
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                // But a message is one JSON value with each field once: trailing data or a field given twice is
                // malformed, not a guess at which value was meant (as the apps' API and WebSocket refuse them).
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        for (Class<?> sealed : List.of(CallEvent.class, CallCommand.class, ConnectionEvent.class)) {
            mapper.addMixIn(sealed, Typed.class);
            registerRecords(mapper, sealed);
        }
        return mapper;
    }

    /** Registers every record below a sealed type (through sealed sub-interfaces too) by its simple name. */
    private static void registerRecords(ObjectMapper mapper, Class<?> sealed) {
        for (Class<?> type : sealed.getPermittedSubclasses()) {
            if (type.isSealed()) {
                registerRecords(mapper, type);
            } else {
                mapper.registerSubtypes(new NamedType(type, type.getSimpleName()));
            }
        }
    }

    /** A view for an app (a record, a map), as API responses and pushes carry it. */
    public static String writeView(Object view) {
        try {
            return VIEWS.writeValueAsString(view);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + view.getClass().getSimpleName(), e);
        }
    }

    public static String write(CallEvent event) {
        return write(event, CallEvent.class);
    }

    public static String write(ConnectionEvent event) {
        return write(event, ConnectionEvent.class);
    }

    public static String write(CallCommand command) {
        return write(command, CallCommand.class);
    }

    public static CallEvent readCallEvent(String json) {
        return read(json, CallEvent.class, "call event");
    }

    public static ConnectionEvent readConnectionEvent(String json) {
        return read(json, ConnectionEvent.class, "connection event");
    }

    public static CallCommand readCallCommand(String json) {
        return read(json, CallCommand.class, "switch command");
    }

    public static String writeEvents(List<CallEvent> events) {
        return writeList(events, EVENTS);
    }

    public static List<CallEvent> readEvents(String json) {
        return readList(json, EVENTS);
    }

    public static String writeCommands(List<CallCommand> commands) {
        return writeList(commands, COMMANDS);
    }

    public static List<CallCommand> readCommands(String json) {
        return readList(json, COMMANDS);
    }

    public static String writeHandlings(List<Call.Handling> handlings) {
        return writeList(handlings, HANDLINGS);
    }

    public static List<Call.Handling> readHandlings(String json) {
        return readList(json, HANDLINGS);
    }

    public static String writeAttempts(List<Attempt> attempts) {
        return writeList(attempts, ATTEMPTS);
    }

    public static List<Attempt> readAttempts(String json) {
        return readList(json, ATTEMPTS);
    }

    public static String writeProviderOptions(List<Route.ProviderOption> options) {
        return writeList(options, PROVIDER_OPTIONS);
    }

    public static List<Route.ProviderOption> readProviderOptions(String json) {
        return readList(json, PROVIDER_OPTIONS);
    }

    public static String write(Charging charging) {
        return write(charging, Charging.class);
    }

    public static Charging readCharging(String json) {
        return read(json, Charging.class, "charging");
    }

    public static String writeTimeline(List<TimelineEntry> timeline) {
        return writeList(timeline, TIMELINE);
    }

    public static List<TimelineEntry> readTimeline(String json) {
        return readList(json, TIMELINE);
    }

    private static String write(Object value, Class<?> as) {
        try {
            return MAPPER.writerFor(as).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value, e);
        }
    }

    private static <T> T read(String json, Class<T> type, String what) {
        if (json == null || json.isBlank()) {
            throw new MalformedMessage(what, new IllegalArgumentException("empty body"));
        }
        try {
            T value = MAPPER.readValue(json, type);
            if (value == null) {
                throw new IllegalArgumentException("null body");
            }
            return value;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new MalformedMessage(what, e);
        }
    }

    private static <T> String writeList(List<T> values, TypeReference<List<T>> type) {
        try {
            return MAPPER.writerFor(type).writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + values, e);
        }
    }

    private static <T> List<T> readList(String json, TypeReference<List<T>> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON does not read back: " + json, e);
        }
    }
}
