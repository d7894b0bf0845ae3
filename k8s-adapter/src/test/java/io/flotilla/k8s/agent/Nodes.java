package io.flotilla.k8s.agent;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/** Hand-built nodes and pods for unit tests. */
final class Nodes {
  private Nodes() {}

  /** A node whose Ready condition has {@code ready} ("True", "False", "Unknown"), or none when null. */
  static V1Node node(String name, String ready) {
    V1NodeStatus status = new V1NodeStatus();
    status.addConditionsItem(new V1NodeCondition().type("MemoryPressure").status("False"));
    if (ready != null) {
      status.addConditionsItem(new V1NodeCondition().type("Ready").status(ready));
    }
    return new V1Node().metadata(new V1ObjectMeta().name(name)).status(status);
  }

  static V1Node withResources(V1Node node, Map<String, String> capacity, Map<String, String> allocatable) {
    node.getStatus().capacity(quantities(capacity)).allocatable(quantities(allocatable));
    return node;
  }

  static V1Node labelled(String name, Map<String, String> labels) {
    V1Node node = node(name, "True");
    node.getMetadata().setLabels(new LinkedHashMap<>(labels));
    return node;
  }

  static V1Pod pod(String name, String phase) {
    return new V1Pod().metadata(new V1ObjectMeta().name(name).namespace("default"))
        .status(new V1PodStatus().phase(phase));
  }

  private static Map<String, Quantity> quantities(Map<String, String> values) {
    Map<String, Quantity> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, Quantity.fromString(v)));
    return out;
  }
}
