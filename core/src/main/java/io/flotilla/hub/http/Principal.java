package io.flotilla.hub.http;

/** Who made a request, as established from its bearer token. */
public sealed interface Principal {
  /** The hub's administrator (admin.kubeconfig). */
  record Admin() implements Principal {}

  /** A holder of the bootstrap token: may register clusters and read their requests. */
  record Bootstrap() implements Principal {}

  /**
   * A registered cluster's agent: its own ManagedCluster and status, and in its dedicated
   * namespace what the agent needs to deploy (Descriptions and their status, HelmReleases).
   */
  record Cluster(String clusterId, String namespace) implements Principal {}
}
