package io.flotilla.api;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ListMeta(String resourceVersion, @com.fasterxml.jackson.annotation.JsonProperty("continue") String continueToken) {}
