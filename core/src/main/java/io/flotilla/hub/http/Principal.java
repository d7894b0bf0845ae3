package io.flotilla.hub.http;

import io.flotilla.hub.security.TokenHash;

/** Who made a request, as established from its bearer token. */
public sealed interface Principal {
  /** The hub's administrator (admin.kubeconfig). */
  record Admin() implements Principal {}

  /** A read-only operator (viewer.kubeconfig, the dashboard): reads everything but Secrets, writes nothing. */
  record Viewer() implements Principal {}

  /** A holder of the bootstrap token: may register clusters and read their requests. */
  record Bootstrap() implements Principal {}

  /**
   * A registered cluster's agent: its own ManagedCluster and status, and in its dedicated
   * namespace what the agent needs to deploy (Descriptions and their status, HelmReleases).
   * namespace and name: where its ManagedCluster is (known from the token check, so a heartbeat needs no lookup).
   */
  record Cluster(String clusterId, String namespace, String name) implements Principal {}

  /**
   * A cluster token not checked yet: only a status report gets one (its handler says so, {@link
   * ResourceHandler#checksClusterTokens}), and has the cluster's entity check the token in the same
   * ask as the update. Anywhere else it is no cluster, so it may do nothing.
   */
  record ClusterClaim(String clusterId, TokenHash token) implements Principal {}

  /** Whether this principal may read every cluster and object (Secrets aside). */
  default boolean readsFleet() {
    return this instanceof Admin || this instanceof Viewer;
  }
}
