package io.flotilla.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** metav1.Condition. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Condition(
    String type,
    String status,
    Long observedGeneration,
    String lastTransitionTime,
    String reason,
    String message) {}
