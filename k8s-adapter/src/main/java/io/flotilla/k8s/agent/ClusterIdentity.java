package io.flotilla.k8s.agent;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's ID, as Clusternet's agent takes it: the UID of Lease {@code clusternet-agent} in
 * the agent's namespace, created (with the namespace) when absent. The Lease outlives agent
 * restarts, so the ID is stable.
 */
public final class ClusterIdentity {
  public static final String LEASE_NAME = "clusternet-agent";
  private static final Logger log = LoggerFactory.getLogger(ClusterIdentity.class);

  private final CoreV1Api core;
  private final CoordinationV1Api coordination;
  private final String namespace;

  public ClusterIdentity(ApiClient child, String namespace) {
    this.core = new CoreV1Api(child);
    this.coordination = new CoordinationV1Api(child);
    this.namespace = namespace;
  }

  /** Reads (or creates) the Lease and returns its UID. */
  public String clusterId() throws ApiException {
    ensureNamespace();
    V1Lease lease;
    try {
      lease = coordination.readNamespacedLease(LEASE_NAME, namespace).execute();
    } catch (ApiException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      lease = createLease();
    }
    String uid = lease.getMetadata() == null ? null : lease.getMetadata().getUid();
    if (uid == null || uid.isBlank()) {
      throw new ApiException("Lease " + namespace + "/" + LEASE_NAME + " has no metadata.uid");
    }
    return uid;
  }

  private V1Lease createLease() throws ApiException {
    V1Lease lease = new V1Lease().apiVersion("coordination.k8s.io/v1").kind("Lease")
        .metadata(new V1ObjectMeta().name(LEASE_NAME).namespace(namespace));
    try {
      V1Lease created = coordination.createNamespacedLease(namespace, lease).execute();
      log.info("created Lease {}/{}: its UID is this cluster's ID", namespace, LEASE_NAME);
      return created;
    } catch (ApiException e) {
      if (e.getCode() == 409) { // another agent replica created it first: its UID is the ID
        return coordination.readNamespacedLease(LEASE_NAME, namespace).execute();
      }
      throw e;
    }
  }

  /** Creates the agent's namespace when it does not exist yet. */
  void ensureNamespace() throws ApiException {
    try {
      core.readNamespace(namespace).execute();
    } catch (ApiException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      try {
        core.createNamespace(new V1Namespace().apiVersion("v1").kind("Namespace")
            .metadata(new V1ObjectMeta().name(namespace))).execute();
        log.info("created namespace {}", namespace);
      } catch (ApiException create) {
        if (create.getCode() != 409) {
          throw create;
        }
      }
    }
  }
}
