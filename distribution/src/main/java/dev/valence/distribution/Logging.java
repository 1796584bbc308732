package dev.valence.distribution;

import java.util.Arrays;
import java.util.List;

/**
 * Log levels and format of the command line (slf4j-simple, to stderr): INFO for Valence, WARN for
 * libraries; DEBUG for Valence with {@code -v}. Each line is {@code 14:03:12.123 INFO KubernetesExecutor - task 'join_words': ...}:
 * time, level, logger and the message (which names the task), no thread names. On a terminal, {@code run} shows live progress instead of
 * Valence's INFO lines (which would break the redrawn lines) unless {@code -v} is given. A level
 * given with {@code -Dorg.slf4j.simpleLogger...} in JAVA_OPTS wins.
 */
final class Logging {
    private static final String PREFIX = "org.slf4j.simpleLogger.";

    private Logging() {
    }

    /**
     * Off a terminal, {@code run} and {@code dispatches resume} print one line per event: a Kubernetes
     * task's steps are the executor's INFO lines (Job submitted, pod started, finished), so the progress
     * leaves those nodes out; a local node's are the progress lines, so the local executor's and the
     * dispatcher's INFO lines (the same events again) are off.
     */
    private static volatile boolean executorStepsLogged;

    /** Sets the levels before the first logger is created. */
    static void configure(String[] args, boolean terminal) {
        List<String> list = Arrays.asList(args);
        boolean verbose = list.contains("-v") || list.contains("--verbose");
        boolean following = list.contains("run") || list.contains("resume");
        boolean liveProgress = terminal && following && !verbose;
        boolean levelGiven = System.getProperty(PREFIX + "log.dev.valence") != null;
        setDefault("defaultLogLevel", "warn");
        setDefault("log.dev.valence", verbose ? "debug" : liveProgress ? "warn" : "info");
        if (!terminal && following && !verbose && System.getProperty(PREFIX + "log.dev.valence.core.LocalExecutor") == null
                && !levelGiven) {
            setDefault("log.dev.valence.core.LocalExecutor", "warn");
            setDefault("log.dev.valence.core.Dispatcher", "warn");
            executorStepsLogged = true;
        }
        setDefault("showThreadName", "false");
        setDefault("showDateTime", "true");
        setDefault("dateTimeFormat", "HH:mm:ss.SSS");
        setDefault("showShortLogName", "true");
        setDefault("levelInBrackets", "false");
    }

    /** Whether a Kubernetes task's steps reach the output as the executor's INFO lines (see {@link #configure}). */
    static boolean executorStepsLogged() {
        return executorStepsLogged;
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(PREFIX + key) == null) {
            System.setProperty(PREFIX + key, value);
        }
    }
}
