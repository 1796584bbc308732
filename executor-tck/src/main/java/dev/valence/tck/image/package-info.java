/**
 * Test kit for the image ports: {@link dev.valence.tck.image.RegistryBed} (the real CNCF registry on
 * a loopback port, optionally with htpasswd auth, counting blob uploads from its access log),
 * {@link dev.valence.tck.image.ImageBuilderContract} and
 * {@link dev.valence.tck.image.CredentialProviderContract}.
 */
package dev.valence.tck.image;
