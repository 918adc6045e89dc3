package dev.calling.adapters.billing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Streams bytes to one S3 object through a multipart upload, holding one part in memory: each
 * time {@code partSize} bytes have been written they go up as the next part. The object appears
 * only on {@link #complete()}; an object smaller than one part is sent with a single PutObject.
 * {@link #close()} without {@link #complete()} aborts the upload, so a failed export leaves no
 * object (and no stored parts) behind, and an earlier export at the same key stays as it was.
 *
 * <p>The upload declares CRC32 and each part carries its CRC32 into CompleteMultipartUpload: S3
 * checks every part, and this is the combination that completes whatever the SDK's default
 * checksum mode (parts checksummed without a declared algorithm can fail to complete,
 * aws-sdk-java-v2#6518).
 */
final class MultipartUploadOutputStream extends OutputStream {

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final String contentType;
    private final byte[] part;
    private final List<CompletedPart> parts = new ArrayList<>();
    private int filled;
    private String uploadId;
    private boolean done;

    MultipartUploadOutputStream(S3Client s3, String bucket, String key, String contentType, int partSize) {
        if (partSize <= 0) {
            throw new IllegalArgumentException("part size must be positive: " + partSize);
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.contentType = contentType;
        this.part = new byte[partSize];
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        requireOpen();
        while (length > 0) {
            int n = Math.min(length, part.length - filled);
            System.arraycopy(bytes, offset, part, filled, n);
            filled += n;
            offset += n;
            length -= n;
            if (filled == part.length) {
                uploadPart();
            }
        }
    }

    /** Sends what is buffered and makes the object visible at its key. */
    void complete() throws IOException {
        requireOpen();
        if (uploadId == null) {
            s3.putObject(r -> r.bucket(bucket).key(key).contentType(contentType), buffered());
        } else {
            if (filled > 0) {
                uploadPart();
            }
            s3.completeMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
        }
        done = true;
    }

    /** How many parts went up (0 when the object fitted in one PutObject). */
    int partsUploaded() {
        return parts.size();
    }

    /** Aborts the upload unless it was completed; safe to call more than once. */
    @Override
    public void close() {
        if (done) {
            return;
        }
        done = true;
        if (uploadId != null) {
            String id = uploadId;
            s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(id));
        }
    }

    private void uploadPart() {
        if (uploadId == null) {
            uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key).contentType(contentType)
                    .checksumAlgorithm(ChecksumAlgorithm.CRC32)).uploadId();
        }
        int number = parts.size() + 1;
        UploadPartResponse uploaded = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(number)
                .contentLength((long) filled).checksumAlgorithm(ChecksumAlgorithm.CRC32), buffered());
        parts.add(CompletedPart.builder().partNumber(number).eTag(uploaded.eTag())
                .checksumCRC32(uploaded.checksumCRC32()).build());
        filled = 0;
    }

    /** The buffered bytes without a copy; a new stream per (re)try. Read before the call returns. */
    private RequestBody buffered() {
        int length = filled;
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(part, 0, length), length, contentType);
    }

    private void requireOpen() throws IOException {
        if (done) {
            throw new IOException("upload of s3://" + bucket + "/" + key + " is already completed or aborted");
        }
    }
}
