package io.flotilla.k8s.agent;

import io.flotilla.api.ClusterRegistrationRequest;
import io.flotilla.api.ManagedCluster;
import java.util.Map;

/** The calls the agent makes to the hub (clusters.clusternet.io/v1beta1). */
public interface HubApi {
  String GROUP_VERSION = "clusters.clusternet.io/v1beta1";

  /** POST a ClusterRegistrationRequest with the bootstrap token. */
  ClusterRegistrationRequest createRegistration(ClusterRegistrationRequest request, String bootstrapToken)
      throws HubException;

  /** GET a ClusterRegistrationRequest with the bootstrap token. */
  ClusterRegistrationRequest getRegistration(String name, String bootstrapToken) throws HubException;

  /** GET the cluster's own ManagedCluster with its token. */
  ManagedCluster getCluster(String namespace, String name, String clusterToken) throws HubException;

  /** PUT .../managedclusters/{name}/status with the cluster token. */
  ManagedCluster reportStatus(ManagedCluster cluster, String clusterToken) throws HubException;

  /** PATCH (JSON merge patch) metadata.labels; a null value removes the label. */
  ManagedCluster patchLabels(String namespace, String name, Map<String, String> labels, String clusterToken)
      throws HubException;
}
