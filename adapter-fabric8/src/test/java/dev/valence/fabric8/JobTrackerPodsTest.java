package dev.valence.fabric8;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which pods carrying a Job's name are that very Job's (a Job re-created under its name has a new uid). */
class JobTrackerPodsTest {

    static Pod pod(String name, Map<String, String> labels, String ownerUid) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata();
        if (ownerUid != null) {
            b.editMetadata().withOwnerReferences(new OwnerReferenceBuilder().withKind("Job").withName("j")
                    .withUid(ownerUid).build()).endMetadata();
        }
        return b.build();
    }

    @Test
    void podsOfAnEarlierJobOfTheSameNameAreNotThisJobs() {
        Job job = new JobBuilder().withNewMetadata().withName("j").withUid("uid-new").endMetadata().build();
        Pod mine = pod("j-new", Map.of("job-name", "j", "controller-uid", "uid-new"), null);
        Pod mineByNewLabel = pod("j-new2", Map.of("job-name", "j", "batch.kubernetes.io/controller-uid", "uid-new"), null);
        Pod mineByOwner = pod("j-own", Map.of("job-name", "j"), "uid-new");
        Pod old = pod("j-old", Map.of("job-name", "j", "controller-uid", "uid-old"), null);
        Pod oldByOwner = pod("j-old2", Map.of("job-name", "j"), "uid-old");
        Pod unknown = pod("j-unknown", Map.of("job-name", "j"), null);
        assertEquals(List.of("j-new", "j-new2", "j-own", "j-unknown"),
                JobTracker.ofThisJob(job, List.of(mine, mineByNewLabel, mineByOwner, old, oldByOwner, unknown)).stream()
                        .map(p -> p.getMetadata().getName()).toList());
    }
}
