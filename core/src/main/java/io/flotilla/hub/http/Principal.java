package io.flotilla.hub.http;

/** Who made a request, as established from its bearer token. */
public sealed interface Principal {
  /** The hub's administrator (admin.kubeconfig). */
  record Admin() implements Principal {}

  /** A holder of the bootstrap token: may register clusters and read their requests. */
  record Bootstrap() implements Principal {}

  /** A registered cluster's agent: its own namespace, ManagedCluster and status only. */
  record Cluster(String clusterId) implements Principal {}
}
