package dev.calling.carrier.chime;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The SIP media application's answer to one invocation: schema 1.0 and the actions to run (at most 10). */
public record SmaResponse(List<SmaAction> actions) {

    public static final String SCHEMA_VERSION = "1.0";

    public SmaResponse {
        actions = List.copyOf(actions);
        if (actions.size() > 10) {
            throw new IllegalArgumentException("Chime runs at most 10 actions per invocation: " + actions.size());
        }
    }

    public static SmaResponse none() {
        return new SmaResponse(List.of());
    }

    /** The response as the Lambda returns it: {@code {"SchemaVersion": "1.0", "Actions": [...]}}. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("SchemaVersion", SCHEMA_VERSION);
        json.put("Actions", actions.stream().map(SmaAction::toJson).toList());
        return json;
    }
}
