package dev.valence.tck.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Size and SHA-256 of a blob, computed by streaming it (never holding it whole). */
public record BlobDigest(long size, String sha256) {

    /** Reads {@code in} to its end and digests it; does not close it. */
    public static BlobDigest of(InputStream in) throws IOException {
        MessageDigest md = newSha256();
        byte[] buf = new byte[64 * 1024];
        long size = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            md.update(buf, 0, n);
            size += n;
        }
        return new BlobDigest(size, HexFormat.of().formatHex(md.digest()));
    }

    /** Digest of bytes in memory. */
    public static BlobDigest of(byte[] bytes) {
        return new BlobDigest(bytes.length, HexFormat.of().formatHex(newSha256().digest(bytes)));
    }

    /** Reads and closes {@code in}. */
    static BlobDigest readAndClose(InputStream in) {
        try (in) {
            return of(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return size + " bytes, sha256 " + sha256.substring(0, 16) + "...";
    }
}
