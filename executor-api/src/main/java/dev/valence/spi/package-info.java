/**
 * The ports an adapter implements, for plugin writers: {@link dev.valence.spi.ClusterGateway},
 * {@link dev.valence.spi.ImageBuilder}, {@link dev.valence.spi.ArtifactStore} and
 * {@link dev.valence.spi.CredentialProvider}, each created by its factory, which
 * {@link java.util.ServiceLoader} finds ({@link dev.valence.spi.Plugins}). They speak domain types
 * ({@link dev.valence.spi.JobSpec}, {@link dev.valence.spi.JobRef}, {@link dev.valence.spi.ImageSpec} …),
 * never a backend library's. A program that only runs tasks does not need this package: see
 * {@link dev.valence.api}.
 */
package dev.valence.spi;
