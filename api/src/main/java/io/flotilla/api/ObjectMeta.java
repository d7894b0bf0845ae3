package io.flotilla.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/** Kubernetes ObjectMeta: the subset every Flotilla object carries. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ObjectMeta(
    String name,
    String generateName,
    String namespace,
    String uid,
    String resourceVersion,
    Long generation,
    String creationTimestamp,
    String deletionTimestamp,
    Map<String, String> labels,
    Map<String, String> annotations) {

  public static ObjectMeta of(String namespace, String name) {
    return new ObjectMeta(name, null, namespace, null, null, null, null, null, null, null);
  }
}
