package dev.calling.adapters.sqs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SQS FIFO deduplication ids: at most 128 characters from a restricted set, so long or odd ids are hashed. */
final class DeduplicationIds {

    private DeduplicationIds() {}

    static String of(String id) {
        return id.length() <= 128 && id.matches("[A-Za-z0-9!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~]+")
                ? id
                : sha256(id);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
