package dev.calling.adapters.billing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * What finance checks a day's export against: the day, how many rows, the money totals per
 * currency (exact sums of the rows' columns, six decimals), the SHA-256 and size of the gzip
 * object and its columns. It holds nothing that changes between two runs over the same records
 * (no generation time), so a re-run writes the same bytes.
 *
 * @param totals per ISO currency code, in code order
 */
public record ExportManifest(String day, String bucket, String objectKey, long rows, List<String> columns,
        SortedMap<String, Totals> totals, String sha256, long compressedBytes) {

    /** A currency's sums; amounts as written in the CSV ({@code "12.345600"}). */
    public record Totals(String retail, String carrierCost, String margin) {}

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Two spaces and "\n" whatever the platform's line separator, so the bytes are the same everywhere. */
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));

    public ExportManifest {
        columns = List.copyOf(columns);
    }

    /** The manifest object's content: pretty JSON in a fixed field order, UTF-8, trailing newline. */
    public byte[] toJsonBytes() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("day", day);
        root.put("bucket", bucket);
        root.put("objectKey", objectKey);
        root.put("format", "text/csv; header=present; charset=utf-8; gzip");
        root.put("rows", rows);
        root.putPOJO("columns", columns);
        ObjectNode byCurrency = root.putObject("totals");
        for (Map.Entry<String, Totals> entry : totals.entrySet()) {
            ObjectNode sums = byCurrency.putObject(entry.getKey());
            sums.put("retail", entry.getValue().retail());
            sums.put("carrierCost", entry.getValue().carrierCost());
            sums.put("margin", entry.getValue().margin());
        }
        root.put("sha256", sha256);
        root.put("compressedBytes", compressedBytes);
        try {
            return (MAPPER.writer(PRETTY).writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write manifest", e);
        }
    }
}
