package dev.valence.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A pod of a Job as {@code kubectl get pods} shows it: name, phase, node, start, the task container's
 * state with its reason and exit code, restarts, and for an Indexed Job (a map) its completion index.
 * Build with {@link #builder()}.
 */
public final class PodInfo {

    /** Where the task container stands. */
    public enum ContainerState { WAITING, RUNNING, TERMINATED, UNKNOWN }

    private final String name;
    private final String phase;
    private final Optional<String> nodeName;
    private final Optional<Instant> startedAt;
    private final ContainerState containerState;
    private final Optional<String> reason;
    private final Optional<String> message;
    private final OptionalInt exitCode;
    private final int restarts;
    private final OptionalInt completionIndex;

    private PodInfo(Builder b) {
        this.name = requireText(b.name, "name");
        this.phase = b.phase == null || b.phase.isBlank() ? "Unknown" : b.phase;
        this.nodeName = Optional.ofNullable(b.nodeName).filter(s -> !s.isBlank());
        this.startedAt = Optional.ofNullable(b.startedAt);
        this.containerState = Objects.requireNonNull(b.containerState, "containerState");
        this.reason = Optional.ofNullable(b.reason).filter(s -> !s.isBlank());
        this.message = Optional.ofNullable(b.message).filter(s -> !s.isBlank());
        this.exitCode = b.exitCode == null ? OptionalInt.empty() : OptionalInt.of(b.exitCode);
        if (b.restarts < 0) {
            throw new IllegalArgumentException("restarts must be 0 or more, was " + b.restarts);
        }
        this.restarts = b.restarts;
        this.completionIndex = b.completionIndex == null ? OptionalInt.empty() : OptionalInt.of(b.completionIndex);
    }

    private static String requireText(String s, String field) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException(field + " must be set");
        }
        return s;
    }

    /** A builder; {@code name} is required, the rest optional. */
    public static Builder builder() {
        return new Builder();
    }

    /** The pod's name. */
    public String name() {
        return name;
    }

    /** The pod's phase as the cluster reports it: {@code Pending}, {@code Running}, {@code Succeeded}, {@code Failed}, {@code Unknown}. */
    public String phase() {
        return phase;
    }

    /** The node the pod was scheduled to, when it was. */
    public Optional<String> nodeName() {
        return nodeName;
    }

    /** When the kubelet started the pod, when it did. */
    public Optional<Instant> startedAt() {
        return startedAt;
    }

    /** The task container's state ({@link ContainerState#UNKNOWN} before the kubelet reports one). */
    public ContainerState containerState() {
        return containerState;
    }

    /** Why the container waits or ended ({@code ImagePullBackOff}, {@code OOMKilled}, {@code Error}), else the pod's reason ({@code Evicted}). */
    public Optional<String> reason() {
        return reason;
    }

    /** The message beside the reason, when the cluster gave one. */
    public Optional<String> message() {
        return message;
    }

    /** The container's exit code, once it terminated. */
    public OptionalInt exitCode() {
        return exitCode;
    }

    /** How often the container was restarted. */
    public int restarts() {
        return restarts;
    }

    /** The pod's index in an Indexed Job (a map's element), when it has one. */
    public OptionalInt completionIndex() {
        return completionIndex;
    }

    /** The STATUS column of {@code kubectl get pods}: the container's reason when there is one, else the phase. */
    public String status() {
        return reason.orElse(phase);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PodInfo p && name.equals(p.name) && phase.equals(p.phase) && nodeName.equals(p.nodeName)
                && startedAt.equals(p.startedAt) && containerState == p.containerState && reason.equals(p.reason)
                && message.equals(p.message) && exitCode.equals(p.exitCode) && restarts == p.restarts
                && completionIndex.equals(p.completionIndex);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, phase, nodeName, startedAt, containerState, reason, message, exitCode, restarts,
                completionIndex);
    }

    @Override
    public String toString() {
        return name + " " + status() + nodeName.map(n -> " on " + n).orElse("")
                + (exitCode.isPresent() ? " exit " + exitCode.getAsInt() : "") + (restarts > 0 ? " restarts " + restarts : "");
    }

    /** Builds a {@link PodInfo}. */
    public static final class Builder {
        private String name;
        private String phase;
        private String nodeName;
        private Instant startedAt;
        private ContainerState containerState = ContainerState.UNKNOWN;
        private String reason;
        private String message;
        private Integer exitCode;
        private int restarts;
        private Integer completionIndex;

        private Builder() {
        }

        /** The pod's name (required). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** The pod's phase; blank or null reads as {@code Unknown}. */
        public Builder phase(String phase) {
            this.phase = phase;
            return this;
        }

        /** The node it runs on; null or blank when not scheduled. */
        public Builder nodeName(String nodeName) {
            this.nodeName = nodeName;
            return this;
        }

        /** When the pod started; null when it has not. */
        public Builder startedAt(Instant startedAt) {
            this.startedAt = startedAt;
            return this;
        }

        /** The task container's state. */
        public Builder containerState(ContainerState state) {
            this.containerState = state;
            return this;
        }

        /** The container's (or pod's) reason; null or blank for none. */
        public Builder reason(String reason) {
            this.reason = reason;
            return this;
        }

        /** The message beside the reason; null or blank for none. */
        public Builder message(String message) {
            this.message = message;
            return this;
        }

        /** The exit code of the terminated container; null when it has not terminated. */
        public Builder exitCode(Integer exitCode) {
            this.exitCode = exitCode;
            return this;
        }

        /** The container's restart count. */
        public Builder restarts(int restarts) {
            this.restarts = restarts;
            return this;
        }

        /** The completion index of an Indexed Job's pod; null for a plain Job's. */
        public Builder completionIndex(Integer index) {
            this.completionIndex = index;
            return this;
        }

        /** The pod; throws when {@code name} is missing or {@code restarts} negative. */
        public PodInfo build() {
            return new PodInfo(this);
        }
    }
}
