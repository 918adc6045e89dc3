package dev.calling.local;

import dev.calling.adapters.auth.DevTokenIssuer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code tools/mint-token <userId> [hours]}: prints a bearer token for the local gateway, signed
 * with the local dev key ({@code local-data/dev-jwt-key.json}, created on first use and shared with
 * {@code ./run-local}). Local use only: in AWS the tokens are Cognito's.
 */
public final class MintToken {

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: tools/mint-token <userId> [hours, default 12]");
            System.exit(2);
        }
        DevTokenIssuer tokens = DevTokenIssuer.loadOrCreate(
                Path.of(System.getProperty("calling.local-data", "local-data")).resolve("dev-jwt-key.json"));
        long hours = args.length == 2 ? Long.parseLong(args[1]) : 12;
        System.out.println(tokens.mint(args[0], Duration.ofHours(hours)));
    }
}
