package dev.calling.adapters.realtime;

import dev.calling.adapters.json.Json;
import dev.calling.core.app.MediaJoin;

/**
 * Hands a party its media join info on the one connection it belongs to (never to the other party,
 * never to the party's other devices), through the WebSocket API's management endpoint. Best effort:
 * an app that misses it reads {@code GET /v1/calls/{id}/media}.
 */
public interface MediaJoinPush {

    /** For set-ups without apps on a WebSocket (the join info is then only read through the API). */
    MediaJoinPush NONE = join -> {};

    void deliver(MediaJoin join);

    /** Through the WebSocket API. */
    static MediaJoinPush through(ConnectionPush connections) {
        return join -> connections.post(join.connectionId(), Json.writeView(MediaJoinView.push(join)));
    }
}
