package io.flotilla.hub.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.api.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeedStatusAggregationTest {
  static JsonNode json(String text) {
    return Json.parse(text.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
  }

  static final JsonNode SPEC = json("{'feeds':[{'apiVersion':'apps/v1','kind':'Deployment','namespace':'shop','name':'web'},"
      + "{'apiVersion':'batch/v1','kind':'Job','namespace':'shop','name':'migrate'},"
      + "{'apiVersion':'v1','kind':'ConfigMap','namespace':'shop','name':'settings'}]}");

  static JsonNode description(String namespace, String cluster, String phase, String deploymentStatus) {
    return json("{'metadata':{'namespace':'" + namespace + "','labels':{'clusters.clusternet.io/cluster-name':'"
        + cluster + "','clusters.clusternet.io/cluster-id':'id-" + cluster + "'}},'status':{'phase':'" + phase + "',"
        + "'manifestStatuses':[{'apiVersion':'apps/v1','kind':'Deployment','namespace':'shop','name':'web',"
        + "'observedStatus':" + deploymentStatus + "},"
        + "{'apiVersion':'batch/v1','kind':'Job','namespace':'shop','name':'migrate','observedStatus':{'succeeded':1}},"
        + "{'apiVersion':'v1','kind':'Secret','namespace':'shop','name':'not-a-feed'}]}}");
  }

  @Test
  void detailsPerBindingClusterInOrderAndSummedSummaries() {
    List<String> bindings = List.of("ns-a/a", "ns-b/b", "ns-c/c");
    FeedStatusAggregation.Aggregate aggregate = FeedStatusAggregation.aggregate(SPEC, bindings, List.of(
        description("ns-b", "b", "Success", "{'replicas':4,'readyReplicas':3,'observedGeneration':7}"),
        description("ns-a", "a", "Failure", "{'replicas':2,'readyReplicas':2,'observedGeneration':5}"),
        description("ns-z", "z", "Success", "{'replicas':9}"))); // not a binding cluster: ignored

    assertEquals(1, aggregate.completedReleases());
    JsonNode deployment = aggregate.aggregatedStatuses().get(0);
    assertEquals("web", deployment.path("name").asText());
    assertEquals(List.of("a", "b", "c"), deployment.path("feedStatusDetails").findValuesAsText("clusterName"));
    assertEquals("id-a", deployment.at("/feedStatusDetails/0/clusterId").asText());
    assertEquals(2, deployment.at("/feedStatusDetails/0/replicaStatus/replicas").asInt());
    assertEquals(4, deployment.at("/feedStatusDetails/1/replicaStatus/replicas").asInt());
    assertFalse(deployment.at("/feedStatusDetails/2/available").asBoolean(), "no Description yet for c");
    assertEquals(6, deployment.at("/feedStatusSummary/replicaStatus/replicas").asInt());
    assertEquals(5, deployment.at("/feedStatusSummary/replicaStatus/readyReplicas").asInt());
    assertEquals(7, deployment.at("/feedStatusSummary/replicaStatus/observedGeneration").asInt());
    assertFalse(deployment.at("/feedStatusSummary/available").asBoolean());

    JsonNode job = aggregate.aggregatedStatuses().get(1);
    assertEquals(2, job.at("/feedStatusSummary/replicaStatus/succeeded").asInt());
    JsonNode configMap = aggregate.aggregatedStatuses().get(2);
    assertFalse(configMap.at("/feedStatusDetails/0/available").asBoolean(), "reported nothing for the ConfigMap");
    assertTrue(configMap.at("/feedStatusDetails/0/replicaStatus").isMissingNode());
  }

  @Test
  void everyClusterAvailableMakesTheSummaryAvailable() {
    FeedStatusAggregation.Aggregate aggregate = FeedStatusAggregation.aggregate(SPEC, List.of("ns-a/a"),
        List.of(description("ns-a", "a", "Success", "{}")));
    assertTrue(aggregate.aggregatedStatuses().get(0).at("/feedStatusSummary/available").asBoolean());
    assertEquals(1, aggregate.completedReleases());
  }
}
