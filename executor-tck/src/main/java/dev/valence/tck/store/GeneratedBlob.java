package dev.valence.tck.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * A deterministic pseudo-random blob of any size, generated as it is read: a test can write a
 * large blob without ever holding it in memory, then check what it reads back by {@link #digest()}.
 */
public final class GeneratedBlob {
    private final long size;
    private final long seed;
    private BlobDigest digest;

    private GeneratedBlob(long size, long seed) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, got " + size);
        }
        this.size = size;
        this.seed = seed;
    }

    /** A blob of {@code size} bytes; the same seed gives the same bytes. */
    public static GeneratedBlob of(long size, long seed) {
        return new GeneratedBlob(size, seed);
    }

    /** Its length in bytes. */
    public long size() {
        return size;
    }

    /** A fresh stream of the whole blob. */
    public InputStream stream() {
        return new Stream(-1, null, -1);
    }

    /**
     * A stream that calls {@code atPause} once, on the reading thread, when the reader first asks for
     * the byte at {@code offset}; a blocking {@code atPause} holds the writer mid-blob.
     */
    public InputStream streamPausingAt(long offset, Runnable atPause) {
        return new Stream(offset, Objects.requireNonNull(atPause, "atPause"), -1);
    }

    /** A stream that throws an {@link IOException} when the reader reaches {@code offset}. */
    public InputStream streamFailingAt(long offset) {
        return new Stream(-1, null, offset);
    }

    /** Size and SHA-256 of the blob (generated once, streaming). */
    public synchronized BlobDigest digest() {
        if (digest == null) {
            try (InputStream in = stream()) {
                digest = BlobDigest.of(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return digest;
    }

    @Override
    public String toString() {
        return "GeneratedBlob[" + size + " bytes, seed " + seed + "]";
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private final class Stream extends InputStream {
        private final long pauseAt;
        private final Runnable atPause;
        private final long failAt;
        private long pos;
        private boolean paused;

        Stream(long pauseAt, Runnable atPause, long failAt) {
            this.pauseAt = pauseAt;
            this.atPause = atPause;
            this.failAt = failAt;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (pos >= size) {
                return -1;
            }
            if (atPause != null && !paused && pos >= pauseAt) {
                paused = true;
                atPause.run();
            }
            if (failAt >= 0 && pos >= failAt) {
                throw new IOException("generated failure at byte " + pos + " of " + GeneratedBlob.this);
            }
            long limit = size;
            if (atPause != null && !paused) {
                limit = Math.min(limit, pauseAt);
            }
            if (failAt >= 0) {
                limit = Math.min(limit, failAt);
            }
            int n = (int) Math.min(len, limit - pos);
            long word = mix(seed * 0x9E3779B97F4A7C15L + (pos >>> 3));
            for (int i = 0; i < n; i++) {
                long p = pos + i;
                if ((p & 7) == 0) {
                    word = mix(seed * 0x9E3779B97F4A7C15L + (p >>> 3));
                }
                b[off + i] = (byte) (word >>> ((p & 7) << 3));
            }
            pos += n;
            return n;
        }
    }
}
