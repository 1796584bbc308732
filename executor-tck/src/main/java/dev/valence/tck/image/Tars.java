package dev.valence.tck.image;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads the entries of a (possibly gzipped) tar archive in tests: image layers and image tars.
 * Handles ustar names with prefix and PAX {@code path} records; enough for what image builders write.
 */
final class Tars {

    /** One entry: its name (without a leading {@code ./} or {@code /}), type flag, mode, mtime and content. */
    record Entry(String name, char type, int mode, long mtimeSeconds, byte[] content) {
        boolean isFile() {
            return type == '0' || type == '\0';
        }

        boolean isDirectory() {
            return type == '5';
        }

        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    private Tars() {
    }

    static List<Entry> read(byte[] archive) {
        try (InputStream in = open(archive)) {
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tar archive", e);
        }
    }

    private static InputStream open(byte[] archive) throws IOException {
        InputStream raw = new BufferedInputStream(new ByteArrayInputStream(archive));
        boolean gzip = archive.length > 2 && (archive[0] & 0xff) == 0x1f && (archive[1] & 0xff) == 0x8b;
        return gzip ? new GZIPInputStream(raw) : raw;
    }

    private static List<Entry> read(InputStream in) throws IOException {
        List<Entry> out = new ArrayList<>();
        String paxPath = null;
        byte[] header = new byte[512];
        while (true) {
            if (in.readNBytes(header, 0, 512) < 512 || isZero(header)) {
                return out;
            }
            String name = field(header, 0, 100);
            int mode = (int) octal(header, 100, 8);
            long size = octal(header, 124, 12);
            long mtime = octal(header, 136, 12);
            char type = (char) header[156];
            if ("ustar".equals(field(header, 257, 6).trim())) {
                String prefix = field(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
            }
            byte[] content = in.readNBytes((int) size);
            long pad = (512 - size % 512) % 512;
            in.readNBytes((int) pad);
            if (type == 'x') {
                paxPath = paxPath(new String(content, StandardCharsets.UTF_8));
                continue;
            }
            if (paxPath != null) {
                name = paxPath;
                paxPath = null;
            }
            out.add(new Entry(normalize(name), type, mode, mtime, content));
        }
    }

    private static String paxPath(String records) {
        for (String line : records.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0 && line.startsWith("path=", space + 1)) {
                return line.substring(space + 1 + "path=".length());
            }
        }
        return null;
    }

    private static String normalize(String name) {
        String n = name;
        while (n.startsWith("./") || n.startsWith("/")) {
            n = n.substring(n.startsWith("./") ? 2 : 1);
        }
        return n;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] header, int offset, int length) {
        String s = field(header, offset, length).trim();
        return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    }
}
