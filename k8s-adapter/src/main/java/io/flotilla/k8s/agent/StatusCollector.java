package io.flotilla.k8s.agent;

import io.flotilla.api.Condition;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.Times;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.VersionApi;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.VersionInfo;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.Call;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects the child cluster's status through client-java, as Clusternet's cluster status
 * controller does: version and platform, /healthz /livez /readyz, node counts, capacity and
 * allocatable, pod counts, CIDRs, the Ready condition, and the node labels to aggregate. A part that
 * cannot be read is left out (and logged); the rest is still reported.
 */
public final class StatusCollector {
  private static final Logger log = LoggerFactory.getLogger(StatusCollector.class);
  private static final int PAGE_SIZE = 500;

  /** One collection: the status to report and the aggregated node labels. */
  public record Snapshot(ManagedCluster.ClusterStatus status, Map<String, String> aggregatedLabels,
      Instant collectedAt) {}

  private final ApiClient child;
  private final CoreV1Api core;
  private final AgentOptions options;
  private final String agentVersion;
  private final Map<String, String> env;
  private final Clock clock;
  private final AtomicReference<Snapshot> latest = new AtomicReference<>();
  private Condition lastReady;

  public StatusCollector(ApiClient child, AgentOptions options, String agentVersion, Map<String, String> env,
      Clock clock) {
    this.child = child;
    this.core = new CoreV1Api(child);
    this.options = options;
    this.agentVersion = agentVersion;
    this.env = env;
    this.clock = clock;
  }

  /** The newest collection, or {@code null} before the first one. */
  public Snapshot latest() {
    return latest.get();
  }

  /** The newest collection, collecting now when there is none yet. */
  public Snapshot latestOrCollect() {
    Snapshot snapshot = latest.get();
    return snapshot != null ? snapshot : collect();
  }

  /** Collects now and keeps the result as the newest. */
  public synchronized Snapshot collect() {
    String k8sVersion = null;
    String platform = null;
    try {
      VersionInfo version = new VersionApi(child).getCode().execute();
      k8sVersion = version.getGitVersion();
      platform = version.getPlatform();
    } catch (ApiException e) {
      warn("failed to collect the Kubernetes version", e);
    }

    ManagedCluster.NodeStatistics nodeStatistics = null;
    Map<String, String> capacity = null;
    Map<String, String> allocatable = null;
    Map<String, String> aggregatedLabels = null;
    try {
      List<V1Node> nodes = nodes();
      nodeStatistics = NodeCounter.nodeStatistics(nodes);
      capacity = ResourceTotals.capacity(nodes);
      allocatable = ResourceTotals.allocatable(nodes);
      aggregatedLabels = LabelAggregator.aggregate(nodes, options.labelsAggregateThreshold(),
          options.labelsAggregatePrefixes());
    } catch (ApiException e) {
      warn("failed to list nodes", e);
    }

    ManagedCluster.PodStatistics podStatistics = null;
    String clusterCidr = null;
    String serviceCidr = null;
    try {
      List<V1Pod> pods = pods();
      podStatistics = NodeCounter.podStatistics(pods);
      clusterCidr = NetworkDiscovery.clusterCidr(pods, env);
      serviceCidr = NetworkDiscovery.serviceCidr(pods, env);
    } catch (ApiException e) {
      warn("failed to list pods", e);
      clusterCidr = env.get("CLUSTER_CIDR");
      serviceCidr = env.get("SERVICE_CIDR");
    }

    boolean healthz = healthy("/healthz");
    boolean livez = healthy("/livez");
    boolean readyz = healthy("/readyz");
    Condition ready = readyCondition((livez && readyz) || healthz);

    ManagedCluster.ClusterStatus status = new ManagedCluster.ClusterStatus(null, k8sVersion, agentVersion, platform,
        child.getBasePath(), healthz, livez, readyz, options.appPusher(),
        options.featureGates().enabled(FeatureGates.SOCKET_CONNECTION), allocatable, capacity, clusterCidr,
        serviceCidr, nodeStatistics, podStatistics, null, List.of(ready), options.heartbeatFrequencySeconds());
    Snapshot snapshot = new Snapshot(status, aggregatedLabels, clock.instant());
    latest.set(snapshot);
    return snapshot;
  }

  /**
   * Type Ready, True when the API server is live and ready (or healthy); its lastTransitionTime stays
   * while the status stays, so an unchanged cluster reports an unchanged status.
   */
  Condition readyCondition(boolean isReady) {
    String status = isReady ? "True" : "False";
    if (lastReady != null && lastReady.status().equals(status)) {
      return lastReady;
    }
    lastReady = isReady
        ? new Condition("Ready", "True", null, Times.format(clock.instant()), "ManagedClusterReady",
            "managed cluster is ready.")
        : new Condition("Ready", "False", null, Times.format(clock.instant()), "ManagedClusterNotReady",
            "managed cluster is not ready.");
    return lastReady;
  }

  private List<V1Node> nodes() throws ApiException {
    List<V1Node> nodes = new ArrayList<>();
    String next = null;
    do {
      V1NodeList page = core.listNode().limit(PAGE_SIZE)._continue(next).execute();
      nodes.addAll(page.getItems());
      next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
    } while (next != null && !next.isEmpty());
    return nodes;
  }

  private List<V1Pod> pods() throws ApiException {
    List<V1Pod> pods = new ArrayList<>();
    String next = null;
    do {
      V1PodList page = core.listPodForAllNamespaces().limit(PAGE_SIZE)._continue(next).execute();
      pods.addAll(page.getItems());
      next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
    } while (next != null && !next.isEmpty());
    return pods;
  }

  /** GET an API server health path with the client's credentials: 200 = true. */
  private boolean healthy(String path) {
    try {
      Call call = child.buildCall(null, path, "GET", new ArrayList<>(), new ArrayList<>(), null,
          new HashMap<>(Map.of("Accept", "text/plain, application/json")), new HashMap<>(), new HashMap<>(),
          new String[] {"BearerToken"}, null);
      try (Response response = call.execute()) {
        return response.code() == 200;
      }
    } catch (ApiException | IOException | RuntimeException e) {
      log.debug("GET {} failed: {}", path, e.toString());
      return false;
    }
  }

  /** A call cut short by the agent closing is no news. */
  private static void warn(String what, ApiException e) {
    if (e.getCause() instanceof java.io.InterruptedIOException || Thread.currentThread().isInterrupted()) {
      log.debug("{}: interrupted", what);
    } else {
      log.warn("{}: {}", what, describe(e));
    }
  }

  private static String describe(ApiException e) {
    return e.getCode() == 0 ? String.valueOf(e.getCause() != null ? e.getCause() : e.getMessage())
        : "HTTP " + e.getCode() + " " + e.getResponseBody();
  }
}
