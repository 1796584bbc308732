package dev.valence.distribution;

import picocli.CommandLine.Option;

/** {@code --output text|json}, mixed into listing commands. */
final class OutputFormat {
    /** The formats a listing can be printed in. */
    enum Format { text, json }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format = Format.text;

    boolean json() {
        return format == Format.json;
    }
}
