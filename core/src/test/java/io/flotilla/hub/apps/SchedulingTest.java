package io.flotilla.hub.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flotilla.api.Taint;
import io.flotilla.hub.apps.Scheduling.Placement;
import io.flotilla.hub.cluster.ManagedClusterEntity;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SchedulingTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DEPLOY_KEY = "apps/v1/Deployment/shop/web";

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static ClusterCandidate cluster(String name, Map<String, String> labels) {
    return cluster(name, labels, List.of(), Map.of());
  }

  private static ClusterCandidate cluster(String name, Map<String, String> labels, List<Taint> taints,
      Map<String, String> allocatable) {
    return new ClusterCandidate("clusternet-" + name, name, "id-" + name, labels, taints, allocatable);
  }

  private static ClusterCandidate sized(String name, Map<String, String> allocatable) {
    return cluster(name, Map.of("env", "prod"), List.of(), allocatable);
  }

  private static JsonNode deployment(int replicas, String requests) {
    return json("""
        {"kind":"Deployment","apiVersion":"apps/v1","namespace":"shop","name":"web","desiredReplicas":%d,
         "replicaRequirements":{"resources":{"requests":%s}},"replicaJsonPath":"/spec/replicas"}"""
        .formatted(replicas, requests));
  }

  private static final JsonNode CONFIG_MAP = json("""
      {"kind":"ConfigMap","apiVersion":"v1","namespace":"shop","name":"cfg","replicaRequirements":{"resources":{}}}""");

  private static final String PROD = "{\"matchLabels\":{\"env\":\"prod\"}}";

  private static JsonNode replication(String affinity, String tolerations) {
    return json("""
        {"schedulingStrategy":"Replication","subscribers":[{"clusterAffinity":%s}],"clusterTolerations":%s}"""
        .formatted(affinity, tolerations));
  }

  private static JsonNode staticDividing(String subscribers) {
    return json("""
        {"schedulingStrategy":"Dividing","dividingScheduling":{"type":"Static"},"subscribers":%s}"""
        .formatted(subscribers));
  }

  private static JsonNode dynamicDividing(String strategy, Integer minClusters, Integer maxClusters) {
    return json("""
        {"schedulingStrategy":"Dividing","subscribers":[{"clusterAffinity":%s}],
         "dividingScheduling":{"type":"Dynamic","dynamicDividing":{"strategy":"%s"%s%s}}}"""
        .formatted(PROD, strategy, minClusters == null ? "" : ",\"minClusters\":" + minClusters,
            maxClusters == null ? "" : ",\"maxClusters\":" + maxClusters));
  }

  private static List<String> keys(Placement placement) {
    return placement.bindings().stream().map(ClusterCandidate::key).toList();
  }

  private static List<Integer> deployReplicas(Placement placement) {
    return placement.replicas().get(DEPLOY_KEY);
  }

  // --- Replication, affinity, taints ---

  @Test
  void replicationBindsEveryMatchingClusterSortedByKeyWithoutReplicas() {
    List<ClusterCandidate> candidates = List.of(
        cluster("c", Map.of("env", "prod")), cluster("a", Map.of("env", "prod")),
        cluster("b", Map.of("env", "dev")), cluster("a", Map.of("env", "prod")));
    Placement placement = Scheduling.schedule(replication(PROD, "[]"), candidates,
        List.of(deployment(3, "{}"), CONFIG_MAP));
    assertEquals(List.of("clusternet-a/a", "clusternet-c/c"), keys(placement), "deduplicated, sorted by key");
    assertEquals(Map.of(), placement.replicas(), "Clusternet leaves status.replicas empty when replicating");
    assertNull(placement.unschedulableReason());
  }

  @Test
  void matchExpressionsAndSeveralSubscribersSelectTheUnion() {
    JsonNode spec = json("""
        {"subscribers":[
          {"clusterAffinity":{"matchExpressions":[{"key":"region","operator":"In","values":["eu","us"]},
                                                  {"key":"tier","operator":"NotIn","values":["edge"]}]}},
          {"clusterAffinity":{"matchExpressions":[{"key":"gpu","operator":"Exists"}]}},
          {"clusterAffinity":{"matchExpressions":[{"key":"legacy","operator":"DoesNotExist"}],
                              "matchLabels":{"zone":"z9"}}}]}""");
    List<ClusterCandidate> candidates = List.of(
        cluster("eu-core", Map.of("region", "eu", "tier", "core")),
        cluster("eu-edge", Map.of("region", "eu", "tier", "edge")),
        cluster("ap", Map.of("region", "ap")),
        cluster("ap-gpu", Map.of("region", "ap", "gpu", "a100")),
        cluster("z9", Map.of("zone", "z9")),
        cluster("z9-old", Map.of("zone", "z9", "legacy", "true")));
    assertEquals(List.of("clusternet-ap-gpu/ap-gpu", "clusternet-eu-core/eu-core", "clusternet-z9/z9"),
        keys(Scheduling.schedule(spec, candidates, List.of())));
  }

  @Test
  void subscribersWithoutAffinitySelectNothingAndAnEmptyOneSelectsAll() {
    List<ClusterCandidate> candidates = List.of(cluster("a", Map.of("env", "prod")));
    Placement none = Scheduling.schedule(json("{\"subscribers\":[{\"weight\":1}]}"), candidates, List.of());
    assertEquals(List.of(), none.bindings());
    assertEquals("0/1 clusters are available: 1 cluster(s) didn't match any subscriber's clusterAffinity.",
        none.unschedulableReason());
    assertEquals(List.of("clusternet-a/a"),
        keys(Scheduling.schedule(json("{\"subscribers\":[{\"clusterAffinity\":{}}]}"), candidates, List.of())));
  }

  @Test
  void anInvalidAffinityOperatorIsUnschedulable() {
    JsonNode spec = json("""
        {"subscribers":[{"clusterAffinity":{"matchExpressions":[{"key":"env","operator":"Equals","values":["x"]}]}}]}""");
    Placement placement = Scheduling.schedule(spec, List.of(cluster("a", Map.of("env", "x"))), List.of());
    assertEquals(List.of(), placement.bindings());
    assertEquals("invalid clusterAffinity in subscriber 0: \"Equals\" is not a valid label selector operator",
        placement.unschedulableReason());
  }

  private static final Taint UNKNOWN_HEALTH =
      new Taint(ManagedClusterEntity.TAINT_UNSCHEDULABLE, null, "NoSchedule", "2024-01-01T00:00:00Z");

  @Test
  void clustersWithUntoleratedTaintsAreDropped() {
    List<ClusterCandidate> candidates = List.of(
        cluster("healthy", Map.of("env", "prod")),
        cluster("unknown", Map.of("env", "prod"), List.of(UNKNOWN_HEALTH), Map.of()),
        cluster("draining", Map.of("env", "prod"), List.of(new Taint("maintenance", "yes", "NoExecute", null)), Map.of()),
        cluster("soft", Map.of("env", "prod"), List.of(new Taint("busy", null, "PreferNoSchedule", null)), Map.of()));
    assertEquals(List.of("clusternet-healthy/healthy", "clusternet-soft/soft"),
        keys(Scheduling.schedule(replication(PROD, "[]"), candidates, List.of())), "PreferNoSchedule only scores");

    Placement none = Scheduling.schedule(replication(PROD, "[]"), candidates.subList(1, 3), List.of());
    assertEquals(List.of(), none.bindings());
    assertEquals("0/2 clusters are available: 1 cluster(s) had taint {clusters.clusternet.io/unschedulable: }, that"
        + " the subscription didn't tolerate, 1 cluster(s) had taint {maintenance: yes}, that the subscription didn't"
        + " tolerate.", none.unschedulableReason());
  }

  @Test
  void tolerationsFollowKubeSemantics() {
    ClusterCandidate unknown = cluster("unknown", Map.of("env", "prod"), List.of(UNKNOWN_HEALTH), Map.of());
    ClusterCandidate draining =
        cluster("draining", Map.of("env", "prod"), List.of(new Taint("maintenance", "yes", "NoExecute", null)), Map.of());
    List<ClusterCandidate> both = List.of(unknown, draining);
    Map<String, List<String>> expectations = Map.of(
        "[{\"key\":\"clusters.clusternet.io/unschedulable\",\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]",
        List.of("clusternet-unknown/unknown"),
        "[{\"operator\":\"Exists\"}]", List.of("clusternet-draining/draining", "clusternet-unknown/unknown"),
        "[{\"key\":\"maintenance\",\"operator\":\"Equal\",\"value\":\"yes\"}]", List.of("clusternet-draining/draining"),
        "[{\"key\":\"maintenance\",\"value\":\"yes\",\"effect\":\"NoExecute\"}]", List.of("clusternet-draining/draining"),
        "[{\"key\":\"maintenance\",\"operator\":\"Equal\",\"value\":\"no\"}]", List.of(),
        "[{\"key\":\"maintenance\",\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]", List.of(),
        "[{\"key\":\"clusters.clusternet.io/unschedulable\",\"operator\":\"Exists\"},"
            + "{\"key\":\"maintenance\",\"operator\":\"Exists\"}]",
        List.of("clusternet-draining/draining", "clusternet-unknown/unknown"));
    expectations.forEach((tolerations, expected) ->
        assertEquals(expected, keys(Scheduling.schedule(replication(PROD, tolerations), both, List.of())), tolerations));
  }

  // --- Static dividing ---

  @Test
  void staticDividingSplitsByWeightAsInClusternetsExample() {
    JsonNode spec = staticDividing("""
        [{"clusterAffinity":{"matchLabels":{"name":"one"}},"weight":1},
         {"clusterAffinity":{"matchLabels":{"name":"two"}},"weight":2}]""");
    List<ClusterCandidate> candidates = List.of(cluster("two", Map.of("name", "two")), cluster("one", Map.of("name", "one")));
    Placement six = Scheduling.schedule(spec, candidates, List.of(deployment(6, "{}"), CONFIG_MAP));
    assertEquals(List.of("clusternet-one/one", "clusternet-two/two"), keys(six));
    assertEquals(List.of(2, 4), deployReplicas(six));
    assertEquals(List.of(), six.replicas().get("v1/ConfigMap/shop/cfg"), "feeds without replicas map to []");
    assertEquals(List.of(DEPLOY_KEY, "v1/ConfigMap/shop/cfg"), List.copyOf(six.replicas().keySet()));
    assertEquals(List.of(3, 7), deployReplicas(Scheduling.schedule(spec, candidates, List.of(deployment(10, "{}")))),
        "10 over 1:2 floors to 3,6; the remainder goes to the heaviest");
  }

  @Test
  void staticRemainderGoesToTheHeaviestThenByKey() {
    JsonNode spec = staticDividing("[{\"clusterAffinity\":" + PROD + ",\"weight\":1}]");
    List<ClusterCandidate> candidates = List.of(cluster("c", Map.of("env", "prod")),
        cluster("b", Map.of("env", "prod")), cluster("a", Map.of("env", "prod")));
    assertEquals(List.of(3, 2, 2), deployReplicas(Scheduling.schedule(spec, candidates, List.of(deployment(7, "{}")))));
    Placement eight = Scheduling.schedule(spec, candidates, List.of(deployment(8, "{}")));
    assertEquals(List.of(3, 3, 2), deployReplicas(eight));
    Placement two = Scheduling.schedule(spec, candidates, List.of(deployment(2, "{}")));
    assertEquals(List.of("clusternet-a/a", "clusternet-b/b"), keys(two), "clusters left without replicas do not bind");
    assertEquals(List.of(1, 1), deployReplicas(two));
  }

  @Test
  void aClusterWeighsTheSumOfItsSubscribersAndZeroWeightGetsNothing() {
    JsonNode spec = staticDividing("""
        [{"clusterAffinity":{"matchLabels":{"env":"prod"}},"weight":1},
         {"clusterAffinity":{"matchLabels":{"big":"yes"}},"weight":2},
         {"clusterAffinity":{"matchLabels":{"env":"dev"}},"weight":0}]""");
    List<ClusterCandidate> candidates = List.of(
        cluster("small", Map.of("env", "prod")),
        cluster("large", Map.of("env", "prod", "big", "yes")),
        cluster("dev", Map.of("env", "dev")));
    Placement placement = Scheduling.schedule(spec, candidates, List.of(deployment(8, "{}")));
    assertEquals(List.of("clusternet-large/large", "clusternet-small/small"), keys(placement));
    assertEquals(List.of(6, 2), deployReplicas(placement), "weights 3:1");
  }

  @Test
  void staticWithoutPositiveWeightsCannotDivide() {
    JsonNode spec = staticDividing("[{\"clusterAffinity\":" + PROD + "}]");
    Placement placement = Scheduling.schedule(spec, List.of(cluster("a", Map.of("env", "prod"))),
        List.of(deployment(3, "{}")));
    assertEquals(List.of(), placement.bindings());
    assertEquals(DEPLOY_KEY + ": no fitting cluster matches a subscriber with a positive weight",
        placement.unschedulableReason());
  }

  @Test
  void withNothingToDivideEveryFittingClusterBinds() {
    JsonNode spec = staticDividing("[{\"clusterAffinity\":" + PROD + ",\"weight\":1}]");
    List<ClusterCandidate> candidates = List.of(cluster("b", Map.of("env", "prod")), cluster("a", Map.of("env", "prod")));
    Placement configOnly = Scheduling.schedule(spec, candidates, List.of(CONFIG_MAP));
    assertEquals(List.of("clusternet-a/a", "clusternet-b/b"), keys(configOnly));
    assertEquals(Map.of("v1/ConfigMap/shop/cfg", List.of()), configOnly.replicas());
    Placement scaledToZero = Scheduling.schedule(spec, candidates, List.of(deployment(0, "{}")));
    assertEquals(List.of("clusternet-a/a", "clusternet-b/b"), keys(scaledToZero));
    assertEquals(List.of(0, 0), deployReplicas(scaledToZero));
  }

  @Test
  void feedsAreDividedIndependentlyAndAlignedWithBindings() {
    JsonNode spec = staticDividing("""
        [{"clusterAffinity":{"matchLabels":{"name":"a"}},"weight":1},
         {"clusterAffinity":{"matchLabels":{"name":"b"}},"weight":3}]""");
    JsonNode api = json("""
        {"kind":"StatefulSet","apiVersion":"apps/v1","namespace":"shop","name":"db","desiredReplicas":1,
         "replicaRequirements":{"resources":{}},"replicaJsonPath":"/spec/replicas"}""");
    Placement placement = Scheduling.schedule(spec,
        List.of(cluster("a", Map.of("name", "a")), cluster("b", Map.of("name", "b"))),
        List.of(deployment(4, "{}"), api));
    assertEquals(List.of("clusternet-a/a", "clusternet-b/b"), keys(placement));
    assertEquals(List.of(1, 3), deployReplicas(placement));
    assertEquals(List.of(0, 1), placement.replicas().get("apps/v1/StatefulSet/shop/db"));
  }

  // --- Dynamic dividing ---

  private static final String ONE_CPU = "{\"cpu\":\"1\"}";

  @Test
  void spreadDividesInProportionToCapacity() {
    List<ClusterCandidate> candidates = List.of(
        sized("a", Map.of("cpu", "4")), sized("b", Map.of("cpu", "2000m")), sized("c", Map.of("cpu", "2.5")),
        sized("empty", Map.of()));
    JsonNode spread = dynamicDividing("Spread", null, null);
    Placement four = Scheduling.schedule(spread, candidates, List.of(deployment(4, ONE_CPU)));
    assertEquals(List.of("clusternet-a/a", "clusternet-b/b", "clusternet-c/c"), keys(four),
        "a cluster without allocatable data has no capacity");
    assertEquals(List.of(2, 1, 1), deployReplicas(four));
    assertEquals(List.of(3, 1, 1), deployReplicas(Scheduling.schedule(spread, candidates, List.of(deployment(5, ONE_CPU)))),
        "5 over 4:2:2 is 2.5,1.25,1.25: the largest fraction gets the remainder");
    assertEquals(List.of(4, 2, 2), deployReplicas(Scheduling.schedule(spread, candidates, List.of(deployment(8, ONE_CPU)))));
    Placement nine = Scheduling.schedule(spread, candidates, List.of(deployment(9, ONE_CPU)));
    assertEquals(List.of(), nine.bindings());
    assertEquals(DEPLOY_KEY + ": 9 desired replicas exceed the capacity of the 3 usable cluster(s) (8)",
        nine.unschedulableReason());
  }

  @Test
  void capacityIsTheTightestRequestedResource() {
    List<ClusterCandidate> candidates = List.of(
        sized("cpu-rich", Map.of("cpu", "64", "memory", "4Gi")),
        sized("mem-rich", Map.of("cpu", "6", "memory", "64Gi")),
        sized("no-gpu", Map.of("cpu", "64", "memory", "8Gi")));
    JsonNode spread = dynamicDividing("Spread", null, null);
    Placement placement = Scheduling.schedule(spread, candidates,
        List.of(deployment(8, "{\"cpu\":\"1500m\",\"memory\":\"1Gi\"}")));
    assertEquals(List.of(2, 2, 4), deployReplicas(placement), "capacities min(42,4), min(4,64) and min(42,8)");
    Placement gpu = Scheduling.schedule(spread, candidates.subList(2, 3),
        List.of(deployment(1, "{\"cpu\":\"1\",\"nvidia.com/gpu\":\"1\"}")));
    assertEquals(DEPLOY_KEY + ": 1 desired replicas exceed the capacity of the 0 usable cluster(s) (0)",
        gpu.unschedulableReason(), "an unreported resource offers none");
  }

  @Test
  void aReplicaRequestingNothingFitsAnywhere() {
    List<ClusterCandidate> candidates = List.of(sized("c", Map.of()), sized("a", Map.of("cpu", "1")), sized("b", Map.of()));
    Placement spread = Scheduling.schedule(dynamicDividing("Spread", null, null), candidates,
        List.of(deployment(7, "{}")));
    assertEquals(List.of(3, 2, 2), deployReplicas(spread));
    Placement binpack = Scheduling.schedule(dynamicDividing("Binpack", null, null), candidates,
        List.of(deployment(7, "{}")));
    assertEquals(List.of("clusternet-a/a"), keys(binpack));
    assertEquals(List.of(7), deployReplicas(binpack));
  }

  @Test
  void spreadHonoursMinAndMaxClusters() {
    List<ClusterCandidate> candidates = List.of(
        sized("a", Map.of("cpu", "3")), sized("b", Map.of("cpu", "4")), sized("c", Map.of("cpu", "2")),
        sized("d", Map.of("cpu", "500m")));
    Placement two = Scheduling.schedule(dynamicDividing("Spread", null, 2), candidates, List.of(deployment(5, ONE_CPU)));
    assertEquals(List.of("clusternet-a/a", "clusternet-b/b"), keys(two), "the two roomiest clusters");
    assertEquals(List.of(2, 3), deployReplicas(two), "5 over 3:4 is 2.14,2.86");
    Placement tooFew = Scheduling.schedule(dynamicDividing("Spread", 4, null), candidates, List.of(deployment(5, ONE_CPU)));
    assertEquals(List.of(), tooFew.bindings());
    assertEquals(DEPLOY_KEY + ": only 3 cluster(s) can host a replica, minClusters is 4", tooFew.unschedulableReason());
    assertNull(Scheduling.schedule(dynamicDividing("Spread", 3, null), candidates, List.of(deployment(5, ONE_CPU)))
        .unschedulableReason());
  }

  @Test
  void binpackFillsTheRoomiestClustersFirst() {
    List<ClusterCandidate> candidates = List.of(
        sized("a", Map.of("cpu", "3")), sized("b", Map.of("cpu", "10")), sized("c", Map.of("cpu", "5")));
    Placement twelve = Scheduling.schedule(dynamicDividing("Binpack", null, null), candidates,
        List.of(deployment(12, ONE_CPU)));
    assertEquals(List.of("clusternet-b/b", "clusternet-c/c"), keys(twelve));
    assertEquals(List.of(10, 2), deployReplicas(twelve));
    Placement spanning = Scheduling.schedule(dynamicDividing("Binpack", 3, null), candidates,
        List.of(deployment(12, ONE_CPU)));
    assertEquals(List.of("clusternet-a/a", "clusternet-b/b", "clusternet-c/c"), keys(spanning));
    assertEquals(List.of(1, 10, 1), deployReplicas(spanning), "minClusters seeds one replica on each of three");
    Placement capped = Scheduling.schedule(dynamicDividing("Binpack", null, 1), candidates,
        List.of(deployment(12, ONE_CPU)));
    assertEquals(DEPLOY_KEY + ": 12 desired replicas exceed the capacity of the 1 usable cluster(s) (10)",
        capped.unschedulableReason());
  }

  @Test
  void dynamicDividingParsesAllocatableQuantities() {
    List<ClusterCandidate> candidates = List.of(
        sized("a", Map.of("cpu", "4000m", "memory", "8Gi")),
        sized("b", Map.of("cpu", "4", "memory", "8589934592")),
        sized("c", Map.of("cpu", "4", "memory", "8G")),
        sized("d", Map.of("cpu", "4", "memory", "not-a-quantity")));
    Placement placement = Scheduling.schedule(dynamicDividing("Spread", null, null), candidates,
        List.of(deployment(11, "{\"cpu\":\"250m\",\"memory\":\"2Gi\"}")));
    assertEquals(List.of("clusternet-a/a", "clusternet-b/b", "clusternet-c/c"), keys(placement));
    assertEquals(List.of(4, 4, 3), deployReplicas(placement), "8G holds three 2Gi replicas, 8Gi four");
  }

  @Test
  void placementsAreDeterministic() {
    List<ClusterCandidate> candidates = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      candidates.add(sized("c" + i, Map.of("cpu", String.valueOf(1 + i % 4))));
    }
    JsonNode spec = dynamicDividing("Spread", null, 7);
    List<JsonNode> feeds = List.of(deployment(13, ONE_CPU));
    Placement expected = Scheduling.schedule(spec, candidates, feeds);
    Random random = new Random(42);
    for (int round = 0; round < 5; round++) {
      List<ClusterCandidate> shuffled = new ArrayList<>(candidates);
      Collections.shuffle(shuffled, random);
      assertEquals(expected, Scheduling.schedule(spec, shuffled, feeds));
    }
    assertEquals(13, deployReplicas(expected).stream().mapToInt(Integer::intValue).sum());
    assertTrue(expected.bindings().size() <= 7);
  }
}
