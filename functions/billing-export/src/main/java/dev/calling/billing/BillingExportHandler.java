package dev.calling.billing;

import dev.calling.adapters.lambda.LogContext;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.calling.adapters.billing.BillingExport;
import dev.calling.adapters.billing.ExportManifest;
import dev.calling.adapters.billing.ExportRequests;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.time.LocalDate;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The BillingExport Lambda: an EventBridge scheduled event exports the previous UTC day, and
 * {@code {"day": "2026-11-24"}} re-runs any day. Answers with the manifest it wrote.
 */
@Named("BillingExport")
public class BillingExportHandler implements RequestHandler<Map<String, Object>, ExportManifest> {

    private static final Logger LOG = Logger.getLogger(BillingExportHandler.class);

    private final BillingExport export;

    @Inject
    public BillingExportHandler(BillingExport export) {
        this.export = export;
    }

    @Override
    public ExportManifest handleRequest(Map<String, Object> event, Context context) {
        try (LogContext logged = LogContext.event("BillingExport", context, LogContext.scheduledEventId(event))) {
            return export(event);
        }
    }

    private ExportManifest export(Map<String, Object> event) {
        LocalDate day = ExportRequests.dayToExport(event);
        ExportManifest manifest = export.export(day);
        LogContext.field("rows", manifest.rows());
        LOG.infof("BillingExport %s: %d rows to s3://%s/%s (%d bytes, sha256 %s)", day, manifest.rows(),
                manifest.bucket(), manifest.objectKey(), manifest.compressedBytes(), manifest.sha256());
        return manifest;
    }
}
