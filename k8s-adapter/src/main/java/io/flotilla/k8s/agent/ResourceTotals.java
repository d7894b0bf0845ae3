package io.flotilla.k8s.agent;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Node;
import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Capacity and allocatable of the cluster: each resource summed over all nodes with Kubernetes
 * quantity arithmetic and written back in canonical form (4 + 3500m cpu = 7500m, 16Gi + 1024Mi =
 * 17Gi). As in Go, a sum keeps the format of its first term. cpu and memory are always present.
 */
public final class ResourceTotals {
  private ResourceTotals() {}

  public static Map<String, String> capacity(Iterable<V1Node> nodes) {
    return sum(nodes, node -> node.getStatus() == null ? null : node.getStatus().getCapacity());
  }

  public static Map<String, String> allocatable(Iterable<V1Node> nodes) {
    return sum(nodes, node -> node.getStatus() == null ? null : node.getStatus().getAllocatable());
  }

  static Map<String, String> sum(Iterable<V1Node> nodes, Function<V1Node, Map<String, Quantity>> resources) {
    Map<String, Quantity> totals = new TreeMap<>();
    for (V1Node node : nodes) {
      Map<String, Quantity> list = resources.apply(node);
      if (list == null) {
        continue;
      }
      list.forEach((name, quantity) -> {
        if (quantity != null) {
          totals.merge(name, quantity, ResourceTotals::add);
        }
      });
    }
    Map<String, String> out = new TreeMap<>();
    out.put("cpu", "0");
    out.put("memory", "0");
    totals.forEach((name, quantity) -> out.put(name, quantity.toSuffixedString()));
    return out;
  }

  /** a + b in the format of a (Go's resource.Quantity.Add). */
  public static Quantity add(Quantity a, Quantity b) {
    BigDecimal sum = a.getNumber().add(b.getNumber());
    return new Quantity(sum, a.getFormat());
  }
}
