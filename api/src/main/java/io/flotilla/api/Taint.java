package io.flotilla.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** corev1.Taint, as on ManagedCluster.spec.taints. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Taint(String key, String value, String effect, String timeAdded) {}
