package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Deterministic Kubernetes names for a task: the same dispatch and node ids always give the same
 * Job name (so a restarted executor re-attaches), valid DNS-1123 labels of at most 63 characters.
 */
public final class JobNames {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?");
    private static final String PREFIX = "valence-";

    private JobNames() {
    }

    /**
     * {@code valence-<dispatch>-<node>-<hash>}: readable parts, cut to fit, and an 8-hex hash of
     * the exact ids so that two ids that clean up to the same text still get different names.
     */
    public static String jobName(String dispatchId, String nodeId) {
        String hash = sha256(dispatchId + "/" + nodeId).substring(0, 8);
        String dispatch = clean(dispatchId, 12);
        int room = 63 - PREFIX.length() - dispatch.length() - hash.length() - 2;
        String node = clean(nodeId, room);
        String name = PREFIX + (dispatch.isEmpty() ? "" : dispatch + "-") + (node.isEmpty() ? "" : node + "-") + hash;
        return requireValid(name);
    }

    /** A label value for an id: the id itself when valid, else a cleaned form plus a hash. */
    public static String labelValue(String id) {
        if (LABEL_VALUE.matcher(id).matches() && id.length() <= 63) {
            return id;
        }
        String cleaned = clean(id, 54);
        return (cleaned.isEmpty() ? "" : cleaned + "-") + sha256(id).substring(0, 8);
    }

    /** Checks a Job name given by a user (for example on the command line). */
    public static String requireValid(String name) {
        if (name == null || !DNS_LABEL.matcher(name).matches()) {
            throw new ValenceException(ErrorKind.CONFIG, "Job name '" + name + "' is not valid: expected a DNS-1123 "
                    + "label: 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit");
        }
        return name;
    }

    private static String clean(String id, int max) {
        String s = id.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (s.length() > max) {
            s = s.substring(0, Math.max(0, max)).replaceAll("-+$", "");
        }
        return s;
    }

    static String sha256(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
