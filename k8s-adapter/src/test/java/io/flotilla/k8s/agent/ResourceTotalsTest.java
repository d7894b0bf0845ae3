package io.flotilla.k8s.agent;

import static io.flotilla.k8s.agent.Nodes.node;
import static io.flotilla.k8s.agent.Nodes.withResources;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kubernetes.client.openapi.models.V1Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceTotalsTest {
  @Test
  void sumsEveryResourceWithMixedUnitsInCanonicalForm() {
    List<V1Node> nodes = List.of(
        withResources(node("a", "True"),
            Map.of("cpu", "4", "memory", "16Gi", "pods", "110", "ephemeral-storage", "100Gi"),
            Map.of("cpu", "3500m", "memory", "15Gi", "pods", "110")),
        withResources(node("b", "False"),
            Map.of("cpu", "3500m", "memory", "1024Mi", "pods", "110", "nvidia.com/gpu", "2"),
            Map.of("cpu", "3", "memory", "512Mi", "pods", "100")));

    assertEquals(Map.of("cpu", "7500m", "memory", "17Gi", "pods", "220", "ephemeral-storage", "100Gi",
        "nvidia.com/gpu", "2"), ResourceTotals.capacity(nodes));
    assertEquals(Map.of("cpu", "6500m", "memory", "15872Mi", "pods", "210"), ResourceTotals.allocatable(nodes));
  }

  @Test
  void wholeCoresStayWholeAndASumKeepsTheFormatOfItsFirstTerm() {
    List<V1Node> nodes = List.of(
        withResources(node("a", "True"), Map.of("cpu", "4", "memory", "16Gi"), Map.of("cpu", "500m", "memory", "1G")),
        withResources(node("b", "True"), Map.of("cpu", "4", "memory", "16Gi"), Map.of("cpu", "1500m", "memory", "1G")));
    assertEquals(Map.of("cpu", "8", "memory", "32Gi"), ResourceTotals.capacity(nodes));
    assertEquals(Map.of("cpu", "2", "memory", "2G"), ResourceTotals.allocatable(nodes));
  }

  @Test
  void noNodesOrNoResourcesGiveZeroCpuAndMemory() {
    assertEquals(Map.of("cpu", "0", "memory", "0"), ResourceTotals.capacity(List.of()));
    assertEquals(Map.of("cpu", "0", "memory", "0"), ResourceTotals.allocatable(List.of(node("bare", "True"))));
  }
}
