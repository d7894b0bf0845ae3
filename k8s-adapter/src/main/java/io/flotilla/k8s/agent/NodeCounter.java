package io.flotilla.k8s.agent;

import io.flotilla.api.ManagedCluster;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.List;

/**
 * Node and pod counts for the ManagedCluster status, as Clusternet's status controller counts them:
 * a node is ready, notReady or unknown by the status of its {@code Ready} condition (True, False,
 * Unknown); a node without a Ready condition is lost.
 */
public final class NodeCounter {
  private NodeCounter() {}

  public static ManagedCluster.NodeStatistics nodeStatistics(List<V1Node> nodes) {
    int ready = 0;
    int notReady = 0;
    int unknown = 0;
    int lost = 0;
    for (V1Node node : nodes) {
      V1NodeCondition condition = readyCondition(node);
      if (condition == null) {
        lost++;
        continue;
      }
      switch (String.valueOf(condition.getStatus())) {
        case "True" -> ready++;
        case "False" -> notReady++;
        default -> unknown++; // "Unknown", or a status no kubelet writes
      }
    }
    return new ManagedCluster.NodeStatistics(ready, notReady, unknown, lost);
  }

  /** Total pods, and those in phase Running. */
  public static ManagedCluster.PodStatistics podStatistics(List<V1Pod> pods) {
    int running = 0;
    for (V1Pod pod : pods) {
      if (pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase())) {
        running++;
      }
    }
    return new ManagedCluster.PodStatistics(running, pods.size());
  }

  static V1NodeCondition readyCondition(V1Node node) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return null;
    }
    for (V1NodeCondition condition : node.getStatus().getConditions()) {
      if ("Ready".equals(condition.getType())) {
        return condition;
      }
    }
    return null;
  }
}
