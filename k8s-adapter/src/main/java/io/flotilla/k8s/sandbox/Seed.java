package io.flotilla.k8s.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;

/**
 * The simulated part of a seeded cluster: nodes as their kubelets would have registered them, and the
 * kube-system pods that run on them. Every field is one client-java's models know (client-java rejects
 * unknown fields) and every field they require is present.
 */
final class Seed {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KUBELET_VERSION = "v1.30.2";

  private Seed() {
  }

  static void cluster(Store store, int nodes) {
    String now = KubeObjects.timestamp(Instant.now());
    ResourceType nodeType = ResourceType.byKind("Node").orElseThrow();
    ResourceType podType = ResourceType.byKind("Pod").orElseThrow();
    for (int i = 0; i < nodes; i++) {
      store.seed(nodeType, node(i, now));
      store.seed(podType, pod("kube-proxy-" + suffix(i), "kube-proxy", "registry.k8s.io/kube-proxy:" + KUBELET_VERSION,
          i, i, now));
    }
    for (int i = 0; i < Math.min(nodes, 2); i++) {
      store.seed(podType, pod("coredns-7db6d8ff4d-" + suffix(100 + i), "coredns", "registry.k8s.io/coredns/coredns:v1.11.1",
          i, 100 + i, now));
    }
  }

  private static ObjectNode node(int index, String now) {
    String name = "sandbox-node-" + index;
    return parse("""
        {"metadata": {"name": "%1$s",
           "labels": {"kubernetes.io/hostname": "%1$s", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                      "node.clusternet.io/region": "sandbox", "node.clusternet.io/zone": "sandbox-a"}},
         "spec": {"podCIDR": "%2$s.0/24", "podCIDRs": ["%2$s.0/24"], "providerID": "sandbox://%1$s"},
         "status": {
           "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"},
           "allocatable": {"cpu": "3800m", "memory": "15Gi", "pods": "110", "ephemeral-storage": "95Gi"},
           "conditions": [
             %3$s, %4$s, %5$s,
             {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
              "lastHeartbeatTime": "%6$s", "lastTransitionTime": "%6$s"}],
           "addresses": [{"type": "InternalIP", "address": "%7$s"}, {"type": "Hostname", "address": "%1$s"}],
           "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
           "nodeInfo": {"machineID": "%8$s", "systemUUID": "%9$s", "bootID": "%10$s",
             "kernelVersion": "6.1.0-sandbox", "osImage": "Debian GNU/Linux 12 (bookworm)",
             "containerRuntimeVersion": "containerd://1.7.18", "kubeletVersion": "%11$s", "kubeProxyVersion": "%11$s",
             "operatingSystem": "linux", "architecture": "amd64"}}}
        """.formatted(name, podNetwork(index),
        healthy("MemoryPressure", "KubeletHasSufficientMemory", now),
        healthy("DiskPressure", "KubeletHasNoDiskPressure", now),
        healthy("PIDPressure", "KubeletHasSufficientPID", now),
        now, nodeIp(index), uuid(name, "machine").replace("-", ""), uuid(name, "system"), uuid(name, "boot"),
        KUBELET_VERSION));
  }

  private static String healthy(String type, String reason, String now) {
    return """
        {"type": "%s", "status": "False", "reason": "%s", "message": "kubelet is healthy",
         "lastHeartbeatTime": "%3$s", "lastTransitionTime": "%3$s"}""".formatted(type, reason, now);
  }

  private static ObjectNode pod(String name, String app, String image, int node, int index, String now) {
    return parse("""
        {"metadata": {"name": "%1$s", "namespace": "kube-system", "labels": {"k8s-app": "%2$s"}},
         "spec": {"nodeName": "sandbox-node-%4$d", "restartPolicy": "Always", "schedulerName": "default-scheduler",
                  "serviceAccountName": "%2$s", "priorityClassName": "system-node-critical",
                  "containers": [{"name": "%2$s", "image": "%3$s"}]},
         "status": {"phase": "Running", "qosClass": "BestEffort", "startTime": "%5$s",
           "hostIP": "%6$s", "hostIPs": [{"ip": "%6$s"}],
           "podIP": "%7$s", "podIPs": [{"ip": "%7$s"}],
           "conditions": [{"type": "Initialized", "status": "True", "lastTransitionTime": "%5$s"},
                          {"type": "Ready", "status": "True", "lastTransitionTime": "%5$s"},
                          {"type": "ContainersReady", "status": "True", "lastTransitionTime": "%5$s"},
                          {"type": "PodScheduled", "status": "True", "lastTransitionTime": "%5$s"}],
           "containerStatuses": [{"name": "%2$s", "image": "%3$s", "imageID": "%3$s",
             "containerID": "containerd://%8$s", "ready": true, "started": true, "restartCount": 0,
             "state": {"running": {"startedAt": "%5$s"}}}]}}
        """.formatted(name, app, image, node, now, nodeIp(node), podNetwork(node) + "." + (2 + index % 250),
        uuid(name, "container").replace("-", "")));
  }

  /** Node addresses 10.0.0.10 onwards; room for 51200 nodes. */
  private static String nodeIp(int node) {
    return "10.0." + node / 200 + "." + (10 + node % 200);
  }

  /** The first three octets of a node's /24 pod range, from 10.128.0.0/9; room for 32768 nodes. */
  private static String podNetwork(int node) {
    return "10." + (128 + node / 256) + "." + node % 256;
  }

  /** Stable per-name identifiers, so a seeded cluster looks the same every time. */
  private static String uuid(String name, String what) {
    return UUID.nameUUIDFromBytes((name + "/" + what).getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static String suffix(int index) {
    return KubeObjects.nameSuffix(new Random(index));
  }

  private static ObjectNode parse(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("bad seed template", e);
    }
  }
}
