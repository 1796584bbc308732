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

    /** Sets the levels before the first logger is created. */
    static void configure(String[] args, boolean terminal) {
        List<String> list = Arrays.asList(args);
        boolean verbose = list.contains("-v") || list.contains("--verbose");
        boolean liveProgress = terminal && list.contains("run") && !verbose;
        setDefault("defaultLogLevel", "warn");
        setDefault("log.dev.valence", verbose ? "debug" : liveProgress ? "warn" : "info");
        setDefault("showThreadName", "false");
        setDefault("showDateTime", "true");
        setDefault("dateTimeFormat", "HH:mm:ss.SSS");
        setDefault("showShortLogName", "true");
        setDefault("levelInBrackets", "false");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(PREFIX + key) == null) {
            System.setProperty(PREFIX + key, value);
        }
    }
}
