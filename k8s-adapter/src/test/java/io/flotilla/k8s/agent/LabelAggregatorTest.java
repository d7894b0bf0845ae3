package io.flotilla.k8s.agent;

import static io.flotilla.k8s.agent.Nodes.labelled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.openapi.models.V1Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelAggregatorTest {
  static final List<String> PREFIX = List.of("node.clusternet.io/");
  static final String REGION = "node.clusternet.io/region";
  static final String ZONE = "node.clusternet.io/zone";

  /** n nodes, the first {@code withRegion} of them labelled region=east; all zone=a and an unprefixed label. */
  static List<V1Node> nodes(int n, int withRegion) {
    List<V1Node> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Map<String, String> labels = new HashMap<>(Map.of(ZONE, "a", "kubernetes.io/os", "linux"));
      if (i < withRegion) {
        labels.put(REGION, "east");
      }
      nodes.add(labelled("n" + i, labels));
    }
    return nodes;
  }

  @Test
  void aLabelOnExactlyTheThresholdShareOfNodesIsAggregated() {
    assertEquals(Map.of(REGION, "east", ZONE, "a"), LabelAggregator.aggregate(nodes(5, 4), 0.8, PREFIX));
    assertEquals(Map.of(REGION, "east", ZONE, "a"), LabelAggregator.aggregate(nodes(10, 7), 0.7, PREFIX));
  }

  @Test
  void aLabelBelowTheThresholdIsNot() {
    assertEquals(Map.of(ZONE, "a"), LabelAggregator.aggregate(nodes(5, 3), 0.8, PREFIX));
    assertEquals(Map.of(ZONE, "a"), LabelAggregator.aggregate(nodes(10, 7), 0.71, PREFIX));
  }

  @Test
  void onlyLabelsUnderThePrefixesAreConsidered() {
    assertEquals(Map.of("kubernetes.io/os", "linux"),
        LabelAggregator.aggregate(nodes(3, 3), 1.0, List.of("kubernetes.io/")));
    assertEquals(Map.of("kubernetes.io/os", "linux", REGION, "east", ZONE, "a"),
        LabelAggregator.aggregate(nodes(3, 3), 1.0, List.of("kubernetes.io/", "node.clusternet.io/")));
  }

  @Test
  void theMostCommonValueOfAKeyCountsAndControlPlaneNodesAreLeftOut() {
    List<V1Node> nodes = new ArrayList<>(List.of(
        labelled("w1", Map.of(REGION, "east")), labelled("w2", Map.of(REGION, "east")),
        labelled("w3", Map.of(REGION, "east")), labelled("w4", Map.of(REGION, "west"))));
    assertEquals(Map.of(REGION, "east"), LabelAggregator.aggregate(nodes, 0.75, PREFIX));
    // two control-plane nodes labelled west change nothing: 3 of 4 workers are east
    nodes.add(labelled("cp1", Map.of(REGION, "west", "node-role.kubernetes.io/control-plane", "")));
    nodes.add(labelled("cp2", Map.of(REGION, "west", "node-role.kubernetes.io/master", "")));
    assertEquals(Map.of(REGION, "east"), LabelAggregator.aggregate(nodes, 0.75, PREFIX));
    // a cluster of control-plane nodes only still aggregates over them
    assertEquals(Map.of(REGION, "west"), LabelAggregator.aggregate(nodes.subList(4, 6), 1.0, PREFIX));
    assertTrue(LabelAggregator.aggregate(List.of(), 0.8, PREFIX).isEmpty());
  }

  @Test
  void theDiffCarriesOnlyChangedAndRemovedKeys() {
    Map<String, String> applied = Map.of(REGION, "east", ZONE, "a", "node.clusternet.io/rack", "r1");
    Map<String, String> desired = Map.of(REGION, "west", ZONE, "a", "node.clusternet.io/gpu", "true");
    Map<String, String> patch = LabelAggregator.diff(applied, desired);
    Map<String, String> expected = new HashMap<>();
    expected.put(REGION, "west");
    expected.put("node.clusternet.io/gpu", "true");
    expected.put("node.clusternet.io/rack", null);
    assertEquals(expected, patch);
    assertTrue(patch.containsKey("node.clusternet.io/rack") && patch.get("node.clusternet.io/rack") == null);
    assertTrue(LabelAggregator.diff(desired, desired).isEmpty());
  }

  @Test
  void aLabelThatFallsBelowTheThresholdIsRemovedWithANull() {
    Map<String, String> before = LabelAggregator.aggregate(nodes(5, 4), 0.8, PREFIX);
    Map<String, String> after = LabelAggregator.aggregate(nodes(5, 3), 0.8, PREFIX);
    Map<String, String> patch = LabelAggregator.diff(before, after);
    assertEquals(1, patch.size());
    assertTrue(patch.containsKey(REGION));
    assertEquals(null, patch.get(REGION));
  }

  @Test
  void withPrefixKeepsOnlyAggregatedKeys() {
    assertEquals(Map.of(REGION, "east"), LabelAggregator.withPrefix(Map.of(REGION, "east",
        "clusters.clusternet.io/cluster-id", "x", "env", "prod"), PREFIX));
    assertTrue(LabelAggregator.withPrefix(null, PREFIX).isEmpty());
  }
}
