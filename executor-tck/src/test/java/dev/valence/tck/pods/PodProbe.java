package dev.valence.tck.pods;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A program the real-pod tests run inside containers (from a hostPath mount of the test classes):
 * each argument is one probe, each probe prints one line.
 */
public final class PodProbe {
    private PodProbe() {
    }

    /** Runs the probes named by the arguments. */
    public static void main(String[] args) throws Exception {
        for (String arg : args) {
            String what = arg.contains(":") ? arg.substring(0, arg.indexOf(':')) : arg;
            String value = arg.contains(":") ? arg.substring(arg.indexOf(':') + 1) : "";
            switch (what) {
                case "identity" -> {
                    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                        if (line.startsWith("Uid:") || line.startsWith("Gid:") || line.startsWith("Groups:")
                                || line.startsWith("NoNewPrivs:") || line.startsWith("CapEff:") || line.startsWith("CapBnd:")) {
                            System.out.println(line.replaceAll("\\s+", " ").strip());
                        }
                    }
                }
                case "write" -> {
                    Path file = Path.of(value, "probe-" + ProcessHandle.current().pid());
                    try {
                        Files.writeString(file, "written");
                        System.out.println("write " + value + ": ok " + stat(file));
                    } catch (Exception e) {
                        System.out.println("write " + value + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
                    }
                }
                case "stat" -> System.out.println("stat " + value + ": " + stat(Path.of(value)));
                case "read" -> System.out.println("read " + value + ": " + Files.readString(Path.of(value)).strip());
                case "exists" -> System.out.println("exists " + value + ": " + Files.exists(Path.of(value)));
                case "maxmem" -> System.out.println("maxMemory=" + Runtime.getRuntime().maxMemory());
                case "cpuquota" -> {
                    for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                        String[] f = line.split(":", 3);
                        if (List.of(f[1].split(",")).contains("cpu")) {
                            Path dir = Path.of("/sys/fs/cgroup", f[1]).resolve(f[2].substring(1));
                            System.out.println("cfs_quota_us=" + Files.readString(dir.resolve("cpu.cfs_quota_us")).strip()
                                    + " shares=" + Files.readString(dir.resolve("cpu.shares")).strip());
                        }
                    }
                }
                case "env" -> System.out.println("env " + value + "=" + System.getenv(value));
                case "allocate" -> {
                    List<byte[]> hold = new ArrayList<>();
                    for (int i = 0; ; i++) {
                        hold.add(new byte[1 << 20]);
                        if (i % 64 == 0) {
                            System.out.println("allocated " + i + " MB");
                        }
                    }
                }
                case "sleep" -> Thread.sleep(Long.parseLong(value) * 1000);
                case "exit" -> System.exit(Integer.parseInt(value));
                default -> throw new IllegalArgumentException("unknown probe " + arg);
            }
        }
    }

    private static String stat(Path p) throws Exception {
        return Files.getAttribute(p, "unix:uid") + ":" + Files.getAttribute(p, "unix:gid") + " "
                + Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode") & 07777);
    }
}
