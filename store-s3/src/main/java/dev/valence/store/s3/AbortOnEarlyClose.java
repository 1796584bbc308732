package dev.valence.store.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import software.amazon.awssdk.core.ResponseInputStream;

/**
 * An object's body that, closed before its end, aborts the request (drops the connection) instead of
 * draining the rest of a large object; both S3 clients' reads (the SDK's and the pod's own) return one.
 */
final class AbortOnEarlyClose extends FilterInputStream {
    private final Runnable abort;
    private boolean ended;

    AbortOnEarlyClose(InputStream body, Runnable abort) {
        super(body);
        this.abort = abort;
    }

    /** The SDK client's response stream, aborted by its own {@code abort()}. */
    static AbortOnEarlyClose of(ResponseInputStream<?> response) {
        return new AbortOnEarlyClose(response, response::abort);
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        ended |= b < 0;
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        ended |= n < 0;
        return n;
    }

    @Override
    public void close() throws IOException {
        if (!ended) {
            abort.run();
        }
        super.close();
    }
}
