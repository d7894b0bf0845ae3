package io.flotilla.hub.apps;

import io.flotilla.api.Taint;
import java.util.List;
import java.util.Map;

/**
 * A cluster as scheduling sees it (from the cluster directory). {@link #key()} is "namespace/name", Clusternet's
 * bindingClusters entry. {@code allocatable} holds status.allocatable quantities such as "cpu":"4", "memory":"8Gi"
 * and may be empty.
 */
public record ClusterCandidate(String namespace, String name, String clusterId, Map<String, String> labels,
    List<Taint> taints, Map<String, String> allocatable) {

  public ClusterCandidate {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    taints = taints == null ? List.of() : List.copyOf(taints);
    allocatable = allocatable == null ? Map.of() : Map.copyOf(allocatable);
  }

  public String key() {
    return namespace + "/" + name;
  }
}
