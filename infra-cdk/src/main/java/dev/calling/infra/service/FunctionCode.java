package dev.calling.infra.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import software.amazon.awscdk.services.lambda.Code;

/** Where a function's deployment package comes from. */
@FunctionalInterface
public interface FunctionCode {

    Code of(String module);

    /**
     * The Quarkus build's {@code functions/<module>/target/function.zip}. A missing zip fails the
     * synth: deploying without a function's code must not be possible.
     */
    static FunctionCode built(Path functionsDirectory) {
        return module -> {
            Path zip = functionsDirectory.resolve(module).resolve("target").resolve("function.zip");
            if (!Files.isRegularFile(zip)) {
                throw new IllegalStateException(zip + " is missing: build the functions first (./mvnw -B package"
                        + " -DskipTests from the repository root), or synthesise with -c functionCode=placeholder"
                        + " to look at the templates without them");
            }
            return Code.fromAsset(zip.toString());
        };
    }

    /**
     * One tiny stand-in package for every function: for the assertion tests (fast, no build of
     * the functions needed) and for reviewing templates. Not deployable as a working system.
     */
    static FunctionCode placeholder() {
        try {
            Path directory = Files.createTempDirectory("calling-placeholder-function");
            Files.writeString(directory.resolve("README.txt"), "Placeholder: not a function package.\n");
            directory.toFile().deleteOnExit();
            directory.resolve("README.txt").toFile().deleteOnExit();
            return module -> Code.fromAsset(directory.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
