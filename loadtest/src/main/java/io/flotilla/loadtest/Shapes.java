package io.flotilla.loadtest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.ClusterRegistrationRequest;
import io.flotilla.api.Json;
import io.flotilla.api.ManagedCluster;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The request bodies the agent sends (k8s-adapter's Registrar and StatusReporter), as JSON text. */
public final class Shapes {
  public static final String CLUSTERS_API = "/apis/clusters.clusternet.io/v1beta1";
  public static final String APPS_API = "/apis/apps.clusternet.io/v1alpha1";
  /** What the agent puts into metadata.labels[registered-by]. */
  public static final String REGISTERED_BY = "clusternet-agent";

  private Shapes() {
  }

  /** A ClusterRegistrationRequest as the agent posts it (name clusternet-<id>, its three labels, Pull). */
  public static String registration(String clusterId, String clusterName, Map<String, String> clusterLabels) {
    ObjectNode crr = Json.MAPPER.createObjectNode();
    crr.put("apiVersion", "clusters.clusternet.io/v1beta1").put("kind", ClusterRegistrationRequest.KIND);
    ObjectNode metadata = crr.putObject("metadata").put("name", ClusterRegistrationRequest.nameFor(clusterId));
    metadata.putObject("labels").put(ManagedCluster.LABEL_REGISTERED_BY, REGISTERED_BY)
        .put(ManagedCluster.LABEL_CLUSTER_ID, clusterId).put(ManagedCluster.LABEL_CLUSTER_NAME, clusterName);
    ObjectNode spec = crr.putObject("spec").put("clusterId", clusterId).put("clusterType", "EdgeCluster")
        .put("clusterName", clusterName).put("syncMode", "Pull");
    if (clusterLabels != null && !clusterLabels.isEmpty()) {
      spec.set("clusterLabels", Json.MAPPER.valueToTree(clusterLabels));
    }
    return text(crr);
  }

  /**
   * The kinds of box a simulated fleet runs on, as a real one runs on a few: capacity CPU and
   * memory, then allocatable (less: what the kubelet reserves).
   */
  private static final String[][] BOXES = {
      {"4", "16Gi", "3800m", "15Gi"}, {"8", "32Gi", "7800m", "30Gi"}, {"12", "48Gi", "11800m", "46Gi"},
      {"16", "64Gi", "15800m", "62Gi"}};

  /**
   * {@code -Dflotilla.bench.own-resources=true}: every cluster reports memory of its own instead of
   * one of the kinds of box (the hub's heap then shares none of it: the worst case).
   */
  private static final boolean OWN_RESOURCES = Boolean.getBoolean("flotilla.bench.own-resources");

  /**
   * A full status report (the agent replaces the whole status each time), from one of the kinds of
   * box (or its own resources), the same for a cluster's name each time.
   */
  public static String statusReport(String namespace, String name, String k8sVersion) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("apiVersion", "clusters.clusternet.io/v1beta1").put("kind", ManagedCluster.KIND);
    body.putObject("metadata").put("name", name).put("namespace", namespace);
    ObjectNode status = body.putObject("status");
    status.put("k8sVersion", k8sVersion).put("platform", "linux/amd64").put("apiserverURL", "https://10.0.0.1:6443")
        .put("healthz", true).put("livez", true).put("readyz", true).put("heartbeatFrequencySeconds", 180);
    status.putObject("nodeStatistics").put("readyNodes", 3).put("notReadyNodes", 0).put("unknownNodes", 0)
        .put("lostNodes", 0);
    String[] box = OWN_RESOURCES ? ownResources(name) : BOXES[Math.floorMod(name.hashCode(), BOXES.length)];
    status.putObject("allocatable").put("cpu", box[2]).put("memory", box[3]);
    status.putObject("capacity").put("cpu", box[0]).put("memory", box[1]);
    return text(body);
  }

  /** Capacity and allocatable with memory in KiB from the name, as kubelets report what a box has. */
  private static String[] ownResources(String name) {
    long capacityKi = 16L * 1024 * 1024 + Math.floorMod(name.hashCode(), 1 << 20);
    return new String[] {"16", capacityKi + "Ki", "15800m", (capacityKi - 1024 * 1024) + "Ki"};
  }

  public static String clusterPath(String namespace, String name) {
    return CLUSTERS_API + "/namespaces/" + namespace + "/managedclusters/" + name;
  }

  static String text(ObjectNode node) {
    return new String(Json.write(node), StandardCharsets.UTF_8);
  }
}
