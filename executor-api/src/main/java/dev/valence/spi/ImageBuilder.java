package dev.valence.spi;

/** Port that builds an OCI image without a Docker daemon and delivers it to its target. */
public interface ImageBuilder {

    /** Builds and delivers the image; returns where it is, pinned by digest. */
    ImageRef build(ImageSpec spec);

    /** Cheap check that an image delivered earlier is still there. */
    boolean exists(ImageRef image, ImageSpec spec);
}
