package dev.valence.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A dispatch record written by hand for the ui's tests: node {@code work}, RUNNING on the cluster as one Job. */
final class ClusterNodeRecord {
    private ClusterNodeRecord() {
    }

    /**
     * Writes {@code <records>/<dispatch>/record.properties}; with {@code ownedHere} the record names this process
     * and host as its runner (a dispatch this process runs, not an orphan).
     */
    static void write(Path records, String dispatch, String job, boolean ownedHere) throws IOException {
        Path dir = Files.createDirectories(records.resolve(dispatch));
        String owner = ownedHere ? "pid=" + ProcessHandle.current().pid() + "\nhost="
                + java.net.InetAddress.getLocalHost().getHostName() + "\n" : "";
        Files.writeString(dir.resolve("record.properties"), """
                workflow=cluster_flow
                started=2026-01-01T00\\:00\\:00Z
                %sstatus=RUNNING
                nodes=work
                node.work.task=work
                node.work.status=RUNNING
                node.work.executor=kubernetes
                node.work.job=%s
                node.work.started=2026-01-01T00\\:00\\:01Z
                node.work.depends_on=
                """.formatted(owner, job));
    }
}
