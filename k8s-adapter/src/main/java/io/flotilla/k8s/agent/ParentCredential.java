package io.flotilla.k8s.agent;

import java.net.URI;

/**
 * What the agent holds after registration: the hub it registered with, the cluster's own token, its
 * dedicated namespace and ManagedCluster name, and the hub CA (PEM) the hub handed back.
 */
public record ParentCredential(URI parentUrl, String token, String namespace, String clusterName, String caPem) {
  /** Never prints the token. */
  @Override
  public String toString() {
    return "ParentCredential[parentUrl=" + parentUrl + ", namespace=" + namespace + ", clusterName=" + clusterName
        + ", token=<redacted>]";
  }
}
