package io.flotilla.api;

import java.net.URI;
import java.nio.file.Path;

/**
 * Work a hub node runs beside its API, found with {@link java.util.ServiceLoader} on the hub's
 * classpath: the k8s-adapter's Push delivery is one. A plugin talks to the hub through its public
 * API (like any Kubernetes controller) and is told which agents' tunnels this node holds, so that
 * work tied to a tunnel runs on the node that has it.
 */
public interface HubPlugin extends AutoCloseable {

  /**
   * How a plugin reaches the hub: the API's URL on this node, the admin token, the hub CA (PEM)
   * to trust, and a folder of its own under the hub's home.
   */
  record Endpoint(URI url, String adminToken, String caCertificatePem, Path workDir) {
    /** Without the token: a record's own toString would print it wherever an Endpoint is logged. */
    @Override
    public String toString() {
      return "Endpoint[url=" + url + ", adminToken=<redacted>, workDir=" + workDir + "]";
    }
  }

  /** Called once, when this node's API listens. */
  void start(Endpoint hub);

  /** An agent's tunnel connected to this node (a cluster may briefly have two while one supersedes the other). */
  void tunnelOpened(String clusterId);

  /** One of the cluster's tunnels on this node closed. */
  void tunnelClosed(String clusterId);

  /** The node is stopping. */
  @Override
  void close();
}
