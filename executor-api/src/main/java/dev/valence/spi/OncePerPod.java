package dev.valence.spi;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A {@link JobListener} that passes each pod on once and keeps its listener's exceptions to itself. */
final class OncePerPod implements JobListener {
    private static final Logger LOG = LoggerFactory.getLogger(OncePerPod.class);

    private final JobListener listener;
    private final Set<String> told = ConcurrentHashMap.newKeySet();
    private final Set<String> toldSucceeded = ConcurrentHashMap.newKeySet();
    private final Set<String> toldFailed = ConcurrentHashMap.newKeySet();

    OncePerPod(JobListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void podStarted(PodStarted pod) {
        if (!told.add(pod.podName())) {
            return;
        }
        try {
            listener.podStarted(pod);
        } catch (RuntimeException e) {
            LOG.debug("a Job listener failed on pod {}; ignored", pod.podName(), e);
        }
    }

    @Override
    public void podSucceeded(String podName) {
        if (!toldSucceeded.add(podName)) {
            return;
        }
        try {
            listener.podSucceeded(podName);
        } catch (RuntimeException e) {
            LOG.debug("a Job listener failed on pod {} succeeded; ignored", podName, e);
        }
    }

    @Override
    public void podFailed(String podName, java.util.OptionalInt completionIndex) {
        podFailed(podName, completionIndex, "");
    }

    @Override
    public void podFailed(String podName, java.util.OptionalInt completionIndex, String reason) {
        if (!toldFailed.add(podName)) {
            return;
        }
        try {
            listener.podFailed(podName, completionIndex, reason);
        } catch (RuntimeException e) {
            LOG.debug("a Job listener failed on pod {} failed; ignored", podName, e);
        }
    }
}
