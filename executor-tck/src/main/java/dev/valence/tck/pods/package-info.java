/**
 * The real-pod bed: {@link dev.valence.tck.pods.RuncPodRunner} runs the pods of the Job-controller
 * stand-in as real containers with {@code runc}, on images pulled by
 * {@link dev.valence.tck.pods.ImagePuller} from a registry bed; {@link dev.valence.tck.pods.JreImage}
 * is a {@code jlink} JRE base image made without network.
 */
package dev.valence.tck.pods;
