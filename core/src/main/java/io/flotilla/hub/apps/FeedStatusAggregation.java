package io.flotilla.hub.apps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.ManagedCluster;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Subscription's `completedReleases` and `aggregatedStatuses` from its Descriptions' reported
 * status, as Clusternet's aggregate-status controller computes them: per feed, one detail per
 * binding cluster (in binding order) with `available` (the cluster reported the feed) and the
 * workload's replica counts (Deployment, StatefulSet: apps/v1; Job: batch/v1), and a summary that
 * sums them (available only when every cluster is). A report about a feed or cluster the
 * Subscription no longer has is ignored (Clusternet fails the whole aggregation on it).
 */
final class FeedStatusAggregation {
  private FeedStatusAggregation() {}

  record Aggregate(int completedReleases, ArrayNode aggregatedStatuses) {}

  private static final List<String> COUNTS = List.of("replicas", "updatedReplicas", "currentReplicas",
      "readyReplicas", "availableReplicas", "unavailableReplicas", "active", "succeeded", "failed");

  /** bindings: the Subscription's bindingClusters ("namespace/name"); descriptions: its Descriptions, as stored. */
  static Aggregate aggregate(JsonNode subscriptionSpec, List<String> bindings, List<JsonNode> descriptions) {
    Map<String, Integer> bindingIndex = new HashMap<>();
    for (int i = 0; i < bindings.size(); i++) {
      bindingIndex.put(bindings.get(i), i);
    }
    Map<String, ObjectNode[]> details = new HashMap<>();
    ArrayNode statuses = Json.MAPPER.createArrayNode();
    for (JsonNode feed : subscriptionSpec.path("feeds")) {
      ObjectNode aggregated = statuses.addObject();
      aggregated.setAll(((ObjectNode) feed).deepCopy());
      ObjectNode[] perCluster = new ObjectNode[bindings.size()];
      ArrayNode array = aggregated.putArray("feedStatusDetails");
      for (int i = 0; i < bindings.size(); i++) {
        perCluster[i] = array.addObject().put("clusterName", bindings.get(i).substring(bindings.get(i).indexOf('/') + 1));
      }
      details.put(FeedInventories.feedKey(feed), perCluster);
    }
    int completed = 0;
    for (JsonNode description : descriptions) {
      JsonNode metadata = description.path("metadata");
      if (metadata.has("deletionTimestamp")) {
        continue;
      }
      String cluster = metadata.path("namespace").asText() + "/"
          + metadata.path("labels").path(ManagedCluster.LABEL_CLUSTER_NAME).asText();
      Integer index = bindingIndex.get(cluster);
      if (index == null) {
        continue;
      }
      if ("Success".equals(description.path("status").path("phase").asText())) {
        completed++;
      }
      for (JsonNode manifest : description.path("status").path("manifestStatuses")) {
        ObjectNode[] perCluster = details.get(FeedInventories.feedKey(manifest));
        if (perCluster != null) {
          perCluster[index].put("clusterId", metadata.path("labels").path(ManagedCluster.LABEL_CLUSTER_ID).asText());
          perCluster[index].put("available", true);
          replicaStatus(manifest).ifPresent(counts -> perCluster[index].set("replicaStatus", counts));
        }
      }
    }
    statuses.forEach(aggregated -> ((ObjectNode) aggregated).set("feedStatusSummary",
        summary(aggregated.path("feedStatusDetails"))));
    return new Aggregate(completed, statuses);
  }

  /** The workload's replica counts from its observed status, for the kinds Clusternet parses. */
  private static Optional<ObjectNode> replicaStatus(JsonNode manifest) {
    String kind = manifest.path("kind").asText();
    String apiVersion = manifest.path("apiVersion").asText();
    boolean workload = (apiVersion.equals("apps/v1") && (kind.equals("Deployment") || kind.equals("StatefulSet")))
        || (apiVersion.equals("batch/v1") && kind.equals("Job"));
    if (!workload) {
      return Optional.empty();
    }
    JsonNode observed = manifest.path("observedStatus");
    ObjectNode counts = Json.MAPPER.createObjectNode();
    if (observed.has("observedGeneration")) {
      counts.put("observedGeneration", observed.get("observedGeneration").asLong());
    }
    for (String count : COUNTS) {
      if (observed.has(count)) {
        counts.put(count, observed.get(count).asInt());
      }
    }
    return Optional.of(counts);
  }

  private static ObjectNode summary(JsonNode details) {
    ObjectNode summary = Json.MAPPER.createObjectNode();
    boolean available = true;
    ObjectNode counts = Json.MAPPER.createObjectNode();
    for (JsonNode detail : details) {
      available &= detail.path("available").asBoolean(false);
      JsonNode replicas = detail.path("replicaStatus");
      for (String count : COUNTS) {
        if (replicas.has(count)) {
          counts.put(count, counts.path(count).asInt(0) + replicas.get(count).asInt());
        }
      }
      if (replicas.path("observedGeneration").asLong(0) > counts.path("observedGeneration").asLong(0)) {
        counts.put("observedGeneration", replicas.get("observedGeneration").asLong());
      }
    }
    summary.put("available", available);
    if (!counts.isEmpty()) {
      summary.set("replicaStatus", counts);
    }
    return summary;
  }
}
