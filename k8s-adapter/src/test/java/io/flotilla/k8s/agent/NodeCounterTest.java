package io.flotilla.k8s.agent;

import static io.flotilla.k8s.agent.Nodes.node;
import static io.flotilla.k8s.agent.Nodes.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flotilla.api.ManagedCluster;
import io.kubernetes.client.openapi.models.V1Node;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeCounterTest {
  @Test
  void countsNodesByTheirReadyCondition() {
    List<V1Node> nodes = List.of(node("a", "True"), node("b", "True"), node("c", "False"), node("d", "Unknown"),
        node("e", null), node("f", "True"));
    assertEquals(new ManagedCluster.NodeStatistics(3, 1, 1, 1), NodeCounter.nodeStatistics(nodes));
  }

  @Test
  void aNodeWithoutStatusIsLostAndNoNodesCountZero() {
    assertEquals(new ManagedCluster.NodeStatistics(0, 0, 0, 1),
        NodeCounter.nodeStatistics(List.of(new V1Node().metadata(new io.kubernetes.client.openapi.models.V1ObjectMeta()
            .name("bare")))));
    assertEquals(new ManagedCluster.NodeStatistics(0, 0, 0, 0), NodeCounter.nodeStatistics(List.of()));
  }

  @Test
  void countsRunningAndTotalPods() {
    assertEquals(new ManagedCluster.PodStatistics(2, 5), NodeCounter.podStatistics(List.of(
        pod("a", "Running"), pod("b", "Pending"), pod("c", "Running"), pod("d", "Succeeded"),
        new io.kubernetes.client.openapi.models.V1Pod())));
  }
}
