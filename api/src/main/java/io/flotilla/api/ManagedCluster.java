package io.flotilla.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** clusters.clusternet.io/v1beta1 ManagedCluster (namespaced, short name mcls). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ManagedCluster(
    String apiVersion, String kind, ObjectMeta metadata, Spec spec, ClusterStatus status) {

  public static final String KIND = "ManagedCluster";

  public static final String LABEL_CLUSTER_ID = "clusters.clusternet.io/cluster-id";
  public static final String LABEL_CLUSTER_NAME = "clusters.clusternet.io/cluster-name";
  public static final String LABEL_REGISTERED_BY = "clusters.clusternet.io/registered-by";

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Spec(String clusterId, String clusterType, String syncMode, List<Taint> taints)
      implements CborSerializable {}

  /** Everything the agent reports, with Clusternet's field names. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record ClusterStatus(
      String lastObservedTime,
      String k8sVersion,
      String agentVersion,
      String platform,
      @JsonProperty("apiserverURL") String apiserverURL,
      Boolean healthz,
      Boolean livez,
      Boolean readyz,
      Boolean appPusher,
      Boolean useSocket,
      Map<String, String> allocatable,
      Map<String, String> capacity,
      @JsonProperty("clusterCIDR") String clusterCIDR,
      @JsonProperty("serviceCIDR") String serviceCIDR,
      NodeStatistics nodeStatistics,
      PodStatistics podStatistics,
      ResourceUsage resourceUsage,
      List<Condition> conditions,
      Long heartbeatFrequencySeconds)
      implements CborSerializable {

    public static ClusterStatus empty() {
      return new ClusterStatus(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
          null, null, null, null, null);
    }

    public ClusterStatus withConditions(List<Condition> replaced) {
      return new ClusterStatus(lastObservedTime, k8sVersion, agentVersion, platform, apiserverURL, healthz,
          livez, readyz, appPusher, useSocket, allocatable, capacity, clusterCIDR, serviceCIDR,
          nodeStatistics, podStatistics, resourceUsage, replaced, heartbeatFrequencySeconds);
    }

    /**
     * This status as a cluster's entity keeps it in memory: allocatable and capacity as
     * {@link CompactMap}s, and those, the node counts and the heartbeat each one instance with every
     * equal one ({@link SharedValues}: a fleet runs on a few kinds of box, which report the same
     * resources). Not done when a report is read: most heartbeats are compared and dropped.
     */
    public ClusterStatus compact() {
      Map<String, String> keptAllocatable = CompactMap.shared(allocatable);
      Map<String, String> keptCapacity = CompactMap.shared(capacity);
      NodeStatistics keptNodes = SharedValues.shared(nodeStatistics);
      Long keptHeartbeat = SharedValues.shared(heartbeatFrequencySeconds);
      if (keptAllocatable == allocatable && keptCapacity == capacity && keptNodes == nodeStatistics
          && keptHeartbeat == heartbeatFrequencySeconds) {
        return this;
      }
      return new ClusterStatus(lastObservedTime, k8sVersion, agentVersion, platform, apiserverURL, healthz,
          livez, readyz, appPusher, useSocket, keptAllocatable, keptCapacity, clusterCIDR, serviceCIDR,
          keptNodes, podStatistics, resourceUsage, conditions, keptHeartbeat);
    }

    public ClusterStatus withLastObservedTime(String time) {
      return new ClusterStatus(time, k8sVersion, agentVersion, platform, apiserverURL, healthz,
          livez, readyz, appPusher, useSocket, allocatable, capacity, clusterCIDR, serviceCIDR,
          nodeStatistics, podStatistics, resourceUsage, conditions, heartbeatFrequencySeconds);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record NodeStatistics(Integer readyNodes, Integer notReadyNodes, Integer unknownNodes, Integer lostNodes) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PodStatistics(Integer runningPods, Integer totalPods) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ResourceUsage(String cpuUsage, String memoryUsage) {}
}
