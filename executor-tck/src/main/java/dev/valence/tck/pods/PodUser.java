package dev.valence.tck.pods;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The user a container runs as, resolved as containerd does: {@code runAsUser}/{@code runAsGroup}
 * over the image's {@code User} ({@code name}, {@code uid}, {@code name:group} or {@code uid:gid}),
 * names and the primary group looked up in the image's {@code /etc/passwd} and {@code /etc/group}.
 *
 * @param nonNumericImageUser the image's user when it is a name and the pod sets no {@code runAsUser}
 *                            (a pod with {@code runAsNonRoot} cannot verify it), else null
 */
record PodUser(long uid, long gid, List<Long> additionalGids, String nonNumericImageUser) {

    static PodUser resolve(Path rootfs, String imageUser, Long runAsUser, Long runAsGroup, String where) {
        String user = imageUser == null ? "" : imageUser;
        String userPart = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
        String groupPart = user.contains(":") ? user.substring(user.indexOf(':') + 1) : "";
        long uid;
        Long gid = null;
        String nonNumeric = null;
        if (runAsUser != null) {
            uid = runAsUser;
            gid = passwd(rootfs).stream().filter(f -> f[2].equals(String.valueOf(uid))).map(f -> Long.parseLong(f[3]))
                    .findFirst().orElse(null);
        } else if (userPart.isEmpty()) {
            uid = 0;
            gid = 0L;
        } else if (userPart.chars().allMatch(Character::isDigit)) {
            uid = Long.parseLong(userPart);
            gid = passwd(rootfs).stream().filter(f -> f[2].equals(userPart)).map(f -> Long.parseLong(f[3])).findFirst()
                    .orElse(null);
        } else {
            String[] entry = passwd(rootfs).stream().filter(f -> f[0].equals(userPart)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unable to find user " + userPart + ": no matching "
                            + "entries in passwd file " + where));
            uid = Long.parseLong(entry[2]);
            gid = Long.parseLong(entry[3]);
            nonNumeric = userPart;
        }
        if (runAsGroup != null) {
            gid = runAsGroup;
        } else if (runAsUser == null && !groupPart.isEmpty()) {
            gid = groupPart.chars().allMatch(Character::isDigit) ? Long.parseLong(groupPart)
                    : group(rootfs).stream().filter(f -> f[0].equals(groupPart)).map(f -> Long.parseLong(f[2])).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unable to find group " + groupPart + " " + where));
        }
        long g = gid == null ? 0 : gid;
        List<Long> extra = new ArrayList<>();
        String name = passwd(rootfs).stream().filter(f -> f[2].equals(String.valueOf(uid))).map(f -> f[0]).findFirst()
                .orElse(null);
        if (name != null) {
            for (String[] f : group(rootfs)) {
                if (f.length > 3 && List.of(f[3].split(",")).contains(name) && Long.parseLong(f[2]) != g) {
                    extra.add(Long.parseLong(f[2]));
                }
            }
        }
        return new PodUser(uid, g, List.copyOf(extra), nonNumeric);
    }

    private static List<String[]> passwd(Path rootfs) {
        return table(rootfs, "/etc/passwd", 4);
    }

    private static List<String[]> group(Path rootfs) {
        return table(rootfs, "/etc/group", 3);
    }

    private static List<String[]> table(Path rootfs, String file, int minFields) {
        Optional<Path> p = insideRoot(rootfs, file);
        if (p.isEmpty() || !Files.isRegularFile(p.get())) {
            return List.of();
        }
        try {
            return Files.readAllLines(p.get()).stream().filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.split(":", -1)).filter(f -> f.length >= minFields).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * {@code path} inside the root file system with symbolic links followed as the container would
     * see them (an absolute target is relative to {@code rootfs}); empty when it leads nowhere.
     */
    static Optional<Path> insideRoot(Path rootfs, String path) {
        Path current = rootfs;
        List<String> todo = new ArrayList<>(List.of(path.split("/")));
        int hops = 0;
        while (!todo.isEmpty()) {
            String part = todo.remove(0);
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                current = current.equals(rootfs) ? rootfs : current.getParent();
                continue;
            }
            Path next = current.resolve(part);
            if (Files.isSymbolicLink(next)) {
                if (++hops > 40) {
                    return Optional.empty();
                }
                try {
                    String target = Files.readSymbolicLink(next).toString();
                    List<String> rest = new ArrayList<>(List.of(target.split("/")));
                    rest.addAll(todo);
                    todo = rest;
                    if (target.startsWith("/")) {
                        current = rootfs;
                    }
                } catch (IOException e) {
                    return Optional.empty();
                }
            } else if (Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
                current = next;
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(current);
    }
}
