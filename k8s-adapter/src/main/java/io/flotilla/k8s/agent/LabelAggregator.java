package io.flotilla.k8s.agent;

import io.kubernetes.client.openapi.models.V1Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Node labels that become ManagedCluster labels (Clusternet's aggregateLimitedLabels): for each key
 * under one of the prefixes, the value most nodes share is copied when at least {@code threshold}
 * of the worker nodes carry it. Control-plane nodes (node-role.kubernetes.io/control-plane or
 * master) are left out, as in Clusternet, unless there are only control-plane nodes.
 */
public final class LabelAggregator {
  private static final List<String> CONTROL_PLANE_ROLES =
      List.of("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master");
  /** Shares are fractions of small integers; this keeps 4/5 at threshold 0.8 on the right side. */
  private static final double EPSILON = 1e-9;

  private LabelAggregator() {}

  public static Map<String, String> aggregate(List<V1Node> nodes, double threshold, List<String> prefixes) {
    List<V1Node> counted = new ArrayList<>();
    for (V1Node node : nodes) {
      if (!isControlPlane(labels(node))) {
        counted.add(node);
      }
    }
    if (counted.isEmpty()) {
      counted = nodes;
    }
    if (counted.isEmpty()) {
      return Map.of();
    }
    Map<String, Map<String, Integer>> counts = new HashMap<>();
    for (V1Node node : counted) {
      labels(node).forEach((key, value) -> {
        if (hasPrefix(key, prefixes)) {
          counts.computeIfAbsent(key, k -> new HashMap<>()).merge(value, 1, Integer::sum);
        }
      });
    }
    Map<String, String> aggregated = new TreeMap<>();
    int total = counted.size();
    counts.forEach((key, values) -> {
      String best = null;
      int bestCount = 0;
      for (Map.Entry<String, Integer> entry : values.entrySet()) {
        // the most common value; ties go to the smaller value so that the result is stable
        if (entry.getValue() > bestCount || (entry.getValue() == bestCount && entry.getKey().compareTo(best) < 0)) {
          best = entry.getKey();
          bestCount = entry.getValue();
        }
      }
      if ((double) bestCount / total + EPSILON >= threshold) {
        aggregated.put(key, best);
      }
    });
    return aggregated;
  }

  /**
   * The JSON merge patch of labels that takes {@code applied} to {@code desired}: changed and new
   * keys with their value, removed keys with {@code null}; empty when nothing changed.
   */
  public static Map<String, String> diff(Map<String, String> applied, Map<String, String> desired) {
    Map<String, String> patch = new LinkedHashMap<>();
    new TreeMap<>(desired).forEach((key, value) -> {
      if (!Objects.equals(applied.get(key), value)) {
        patch.put(key, value);
      }
    });
    new TreeMap<>(applied).keySet().forEach(key -> {
      if (!desired.containsKey(key)) {
        patch.put(key, null);
      }
    });
    return patch;
  }

  /** The labels under the prefixes, from a ManagedCluster's labels (what was applied before). */
  public static Map<String, String> withPrefix(Map<String, String> labels, List<String> prefixes) {
    Map<String, String> out = new TreeMap<>();
    if (labels != null) {
      labels.forEach((key, value) -> {
        if (hasPrefix(key, prefixes)) {
          out.put(key, value);
        }
      });
    }
    return out;
  }

  static boolean hasPrefix(String key, List<String> prefixes) {
    for (String prefix : prefixes) {
      if (key.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isControlPlane(Map<String, String> labels) {
    return CONTROL_PLANE_ROLES.stream().anyMatch(labels::containsKey);
  }

  private static Map<String, String> labels(V1Node node) {
    return node.getMetadata() == null || node.getMetadata().getLabels() == null
        ? Map.of() : node.getMetadata().getLabels();
  }
}
