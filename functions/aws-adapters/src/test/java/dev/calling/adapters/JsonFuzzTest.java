package dev.calling.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.json.Json;
import dev.calling.adapters.json.MalformedMessage;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.core.push.PushKind;
import dev.calling.core.session.ConnectionEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A mutation fuzzer over the readers of every queue message (call events, connection events, commands): valid
 * messages as the functions write them, mutated at random (a seeded {@link SplittableRandom}, so a failure
 * replays): characters dropped, inserted, swapped or repeated, the text cut short, fields duplicated, values
 * replaced by other JSON types, huge numbers, deep nesting, stray Unicode. The property: a reader either returns a
 * message or throws {@link MalformedMessage} (which the batch processor sends to the dead-letter queue); any
 * other exception would fail the whole batch again and again. Prints what it tried.
 */
class JsonFuzzTest {

    static final Instant T = Instant.parse("2026-12-05T12:00:00Z");
    static final int INPUTS = 30_000;

    static final List<String> EVENTS = List.of(
            Json.write(new CallEvent.CallRequested("e1", "c1", T, "alice", "a1", "bob")),
            Json.write(new CallEvent.CallRequested("e1p", "c1", T, "alice", "a1", null, "+442079460000")),
            Json.write(new CallEvent.CallRinging("e2", "c1", T, 1, 1)),
            Json.write(new CallEvent.CallAnswered("e3", "c1", T, 1, 2, "b1")),
            Json.write(new CallEvent.CallHungUp("e6", "c1", T, 1, 3, Party.CALLER)),
            Json.write(new CallEvent.CallFailed("e7", "c1", T, 1, 2, 503, "SIP 503")));
    static final List<String> CONNECTIONS = List.of(
            Json.write(new ConnectionEvent.ConnectionOpened("e", "bob", "s1", "b1", T)));
    static final List<String> COMMANDS = List.of(
            Json.write(new CallCommand.RingCallee("c1", "alice", "a1", "bob", List.of("b1", "b2"))),
            Json.write(new CallCommand.ScheduleRingTimeout("c1", T)),
            Json.write(new CallCommand.PushCallee("c1", "alice", "bob", PushKind.RING, List.of("iphone"),
                    T.plusSeconds(45))));

    static final String[] JSON_VALUES = {"null", "true", "0", "-1", "1e309", "99999999999999999999999", "\"\"",
            "\"x\"", "[]", "{}", "[[[[[[[[[[]]]]]]]]]]", "\"\\u0000\"", "\"\\ud800\"", "\"2026-13-45T99:99:99Z\""};

    record Figures(int tried, int read, int refused, Map<String, Integer> crashes, List<String> examples) {}

    static Figures fuzz(List<String> corpus, Function<String, ?> reader, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int read = 0;
        int refused = 0;
        Map<String, Integer> crashes = new TreeMap<>();
        List<String> examples = new ArrayList<>();
        for (int i = 0; i < INPUTS; i++) {
            String input = mutate(corpus.get(random.nextInt(corpus.size())), random);
            try {
                Object message = reader.apply(input);
                assertThat(message).as("a reader returns a message or refuses: " + input).isNotNull();
                read++;
            } catch (MalformedMessage expected) {
                refused++;
            } catch (RuntimeException | StackOverflowError crash) {
                crashes.merge(crash.getClass().getName(), 1, Integer::sum);
                if (examples.size() < 5) {
                    examples.add(crash + " <- " + input);
                }
            }
        }
        return new Figures(INPUTS, read, refused, crashes, examples);
    }

    /** One to three random mutations of a valid message. */
    static String mutate(String valid, SplittableRandom random) {
        String text = valid;
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations && !text.isEmpty(); m++) {
            int at = random.nextInt(text.length());
            text = switch (random.nextInt(9)) {
                case 0 -> text.substring(0, at) + text.substring(at + 1); // drop a character
                case 1 -> text.substring(0, at) + (char) random.nextInt(0x20, 0x7f) + text.substring(at);
                case 2 -> text.substring(0, at); // cut short
                case 3 -> text.substring(0, at) + text.substring(at, Math.min(text.length(), at + 8)).repeat(2)
                        + text.substring(Math.min(text.length(), at + 8)); // repeat a run
                case 4 -> replaceValue(text, random); // a value of another JSON type
                case 5 -> duplicateField(text, random);
                case 6 -> "[".repeat(1 + random.nextInt(3000)) + text; // deep nesting
                case 7 -> text.substring(0, at) + "\u2028\uFEFF\u0000" + text.substring(at);
                default -> text + (random.nextBoolean() ? " {}" : "x"); // trailing data
            };
        }
        return text;
    }

    static String replaceValue(String text, SplittableRandom random) {
        int colon = text.indexOf(':', random.nextInt(text.length()));
        if (colon < 0) {
            return text;
        }
        int end = colon + 1;
        while (end < text.length() && text.charAt(end) != ',' && text.charAt(end) != '}') {
            end++;
        }
        return text.substring(0, colon + 1) + JSON_VALUES[random.nextInt(JSON_VALUES.length)] + text.substring(end);
    }

    static String duplicateField(String text, SplittableRandom random) {
        int brace = text.indexOf('{');
        int comma = text.indexOf(',', brace + 1);
        if (brace < 0 || comma < 0) {
            return text;
        }
        String field = text.substring(brace + 1, comma);
        return text.substring(0, comma) + "," + field + text.substring(comma);
    }

    static void report(String what, Figures figures) {
        System.out.printf("fuzz %-17s %d inputs: %d read, %d refused as malformed, crashes %s%n", what, figures.tried(),
                figures.read(), figures.refused(), figures.crashes());
        figures.examples().forEach(example -> System.out.println("  " + example));
    }

    @Test
    void everyMutatedCallEventIsReadOrRefusedAsMalformed() {
        Figures figures = fuzz(EVENTS, Json::readCallEvent, 20261205L);
        report("call events", figures);
        assertThat(figures.crashes()).as(String.join("\n", figures.examples())).isEmpty();
        assertThat(figures.refused()).as("the mutations do break messages").isGreaterThan(INPUTS / 2);
    }

    @Test
    void everyMutatedConnectionEventIsReadOrRefusedAsMalformed() {
        Figures figures = fuzz(CONNECTIONS, Json::readConnectionEvent, 20261206L);
        report("connection events", figures);
        assertThat(figures.crashes()).as(String.join("\n", figures.examples())).isEmpty();
    }

    @Test
    void everyMutatedCommandIsReadOrRefusedAsMalformed() {
        Figures figures = fuzz(COMMANDS, Json::readCallCommand, 20261207L);
        report("commands", figures);
        assertThat(figures.crashes()).as(String.join("\n", figures.examples())).isEmpty();
    }

    @Test
    void trailingDataAndDuplicateFieldsAreRefusedNotGuessed() {
        String valid = EVENTS.get(0);
        for (String bad : List.of(valid + " {}", valid + "x", valid + valid, duplicateField(valid, new SplittableRandom(1)))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Json.readCallEvent(bad)).as(bad)
                    .isInstanceOf(MalformedMessage.class);
        }
    }
}
