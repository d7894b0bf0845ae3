package io.flotilla.k8s.agent;

import io.flotilla.api.ClusterRegistrationRequest;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.ObjectMeta;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A scripted hub for unit tests: replies come from queues, calls are recorded. */
final class FakeHub implements HubApi {
  final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  final Deque<Object> createReplies = new ArrayDeque<>();
  final Deque<Object> getReplies = new ArrayDeque<>();
  final List<Map<String, String>> patches = Collections.synchronizedList(new ArrayList<>());
  final List<ManagedCluster> reports = Collections.synchronizedList(new ArrayList<>());
  final Map<String, String> labels = Collections.synchronizedMap(new LinkedHashMap<>());
  volatile HubException patchFailure;
  volatile HubException statusFailure;
  volatile HubException getClusterFailure;

  static ClusterRegistrationRequest reply(String clusterId, String result, String token, String error) {
    return new ClusterRegistrationRequest(GROUP_VERSION, ClusterRegistrationRequest.KIND,
        ObjectMeta.of(null, ClusterRegistrationRequest.nameFor(clusterId)), null,
        new ClusterRegistrationRequest.RequestStatus(result == null ? null : "clusternet-abcde", token,
            java.util.Base64.getEncoder().encodeToString(TestCa.PEM.getBytes()), result, error,
            result == null ? null : "edge-1"));
  }

  @Override
  public synchronized ClusterRegistrationRequest createRegistration(ClusterRegistrationRequest request,
      String bootstrapToken) throws HubException {
    calls.add("POST " + request.metadata().name());
    return next(createReplies);
  }

  @Override
  public synchronized ClusterRegistrationRequest getRegistration(String name, String bootstrapToken)
      throws HubException {
    calls.add("GET " + name);
    return next(getReplies);
  }

  @Override
  public ManagedCluster getCluster(String namespace, String name, String clusterToken) throws HubException {
    calls.add("GET mcls " + namespace + "/" + name);
    if (getClusterFailure != null) {
      throw getClusterFailure;
    }
    return cluster(namespace, name);
  }

  @Override
  public ManagedCluster reportStatus(ManagedCluster cluster, String clusterToken) throws HubException {
    calls.add("PUT status");
    if (statusFailure != null) {
      throw statusFailure;
    }
    reports.add(cluster);
    return cluster;
  }

  @Override
  public ManagedCluster patchLabels(String namespace, String name, Map<String, String> patch, String clusterToken)
      throws HubException {
    calls.add("PATCH " + patch);
    if (patchFailure != null) {
      throw patchFailure;
    }
    patches.add(patch);
    patch.forEach((k, v) -> {
      if (v == null) {
        labels.remove(k);
      } else {
        labels.put(k, v);
      }
    });
    return cluster(namespace, name);
  }

  private ManagedCluster cluster(String namespace, String name) {
    return new ManagedCluster(GROUP_VERSION, ManagedCluster.KIND, new ObjectMeta(name, null, namespace, null, null,
        null, null, null, new LinkedHashMap<>(labels), null), null, null);
  }

  private static ClusterRegistrationRequest next(Deque<Object> replies) throws HubException {
    Object reply = replies.size() > 1 ? replies.poll() : replies.peek();
    if (reply instanceof HubException e) {
      throw e;
    }
    return (ClusterRegistrationRequest) reply;
  }
}
