package dev.valence.spi;

import java.util.Objects;

/** A submitted Job: its name and namespace, and whether an existing Job was adopted. */
public record JobRef(String name, String namespace, boolean adopted) {
    public JobRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(namespace, "namespace");
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
