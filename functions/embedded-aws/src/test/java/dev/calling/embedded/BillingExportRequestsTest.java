package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.billing.BillingExport;
import dev.calling.adapters.billing.ExportRequests;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which day an invocation exports, and where a day's objects go. */
class BillingExportRequestsTest {

    @Test
    void aScheduledEventExportsTheUtcDayBeforeItsTime() {
        assertThat(ExportRequests.dayToExport(scheduled("2026-11-25T00:30:00Z"))).isEqualTo(LocalDate.parse("2026-11-24"));
        assertThat(ExportRequests.dayToExport(scheduled("2027-01-01T00:00:00Z"))).isEqualTo(LocalDate.parse("2026-12-31"));
        assertThat(ExportRequests.dayToExport(scheduled("2028-03-01T23:59:59Z"))).isEqualTo(LocalDate.parse("2028-02-29"));
    }

    @Test
    void aManualRunExportsTheDayItNames() {
        assertThat(ExportRequests.dayToExport(Map.of("day", "2026-02-28"))).isEqualTo(LocalDate.parse("2026-02-28"));
    }

    @Test
    void anythingElseIsRefused() {
        assertThatThrownBy(() -> ExportRequests.dayToExport(Map.of("day", "24/11/2026")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExportRequests.dayToExport(Map.of("time", "2026-11-25T00:30:00Z")))
                .as("a time without the scheduler's source").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExportRequests.dayToExport(Map.of("source", "aws.events", "time", "yesterday")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExportRequests.dayToExport(Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDaysObjectsShareADatedPrefix() {
        LocalDate day = LocalDate.parse("2026-01-05");
        assertThat(BillingExport.objectKey(day)).isEqualTo("calls/2026/01/05/calls-2026-01-05.csv.gz");
        assertThat(BillingExport.manifestKey(day)).isEqualTo("calls/2026/01/05/manifest.json");
    }

    private static Map<String, Object> scheduled(String time) {
        return Map.of("version", "0", "detail-type", "Scheduled Event", "source", "aws.events", "time", time,
                "detail", Map.of());
    }
}
