package dev.calling.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.FeatureFlags;

/**
 * cdk.json sets every feature flag the CDK library in use recommends, with the recommended value (what
 * {@code cdk init} of that version writes): a CDK upgrade that recommends a new flag fails here until cdk.json
 * has it (and the other tests pass with it). Every synth reads them (the tests through TestApp).
 */
class FeatureFlagsTest {

    /** The library's own list, from the npm package the jsii jar carries. */
    static Map<String, Object> recommended() throws IOException {
        String version = App.class.getPackage().getImplementationVersion();
        String resource = "/software/amazon/awscdk/aws-cdk-lib@" + version + ".jsii.tgz";
        try (InputStream tgz = App.class.getResourceAsStream(resource)) {
            assertThat(tgz).as(resource).isNotNull();
            byte[] json = tarEntry(new GZIPInputStream(tgz), "package/recommended-feature-flags.json");
            @SuppressWarnings("unchecked")
            Map<String, Object> flags = new ObjectMapper().readValue(json, Map.class);
            return flags;
        }
    }

    @Test
    void cdkJsonSetsEveryRecommendedFlagAsRecommended() throws IOException {
        Map<String, Object> recommended = recommended();
        assertThat(recommended).hasSizeGreaterThan(50);
        assertThat(CallingApp.featureFlags()).containsAllEntriesOf(recommended);
    }

    @Test
    void theTestsSynthesiseWithTheFlags() {
        TestApp.Synthesised app = TestApp.get();
        assertThat(FeatureFlags.of(app.stacks().service()).isEnabled("@aws-cdk/aws-iam:minimizePolicies")).isTrue();
        assertThat(FeatureFlags.of(app.stacks().data()).isEnabled("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"))
                .isTrue();
        App without = new App(AppProps.builder().build());
        assertThat(FeatureFlags.of(without).isEnabled("@aws-cdk/aws-iam:minimizePolicies")).as("not a default").isFalse();
    }

    /** One file's bytes from a tar stream (ustar: 512-byte headers, name at 0, octal size at 124). */
    private static byte[] tarEntry(InputStream tar, String name) throws IOException {
        byte[] header = new byte[512];
        while (tar.readNBytes(header, 0, 512) == 512) {
            String entry = new String(header, 0, 100, StandardCharsets.US_ASCII).replace("\0", "");
            if (entry.isEmpty()) {
                break;
            }
            long size = Long.parseLong(new String(header, 124, 12, StandardCharsets.US_ASCII).replace("\0", "").trim(), 8);
            if (entry.equals(name)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(tar.readNBytes((int) size));
                return out.toByteArray();
            }
            tar.skipNBytes((size + 511) / 512 * 512);
        }
        throw new AssertionError(name + " not in the package");
    }
}
