package io.flotilla.k8s.agent;

import io.flotilla.api.ClusterRegistrationRequest;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.ObjectMeta;
import io.kubernetes.client.openapi.ApiException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets the cluster a credential for the hub, as Clusternet's agent does: reuse Secret
 * parent-cluster when it was written for the current parent URL, else POST a
 * ClusterRegistrationRequest with the bootstrap token and poll it (every {@code pollInterval},
 * jittered) until the hub sets a result. Approved → the credential is stored in the Secret;
 * Denied/Failed → {@link RegistrationRejectedException}.
 */
public final class Registrar {
  public static final String REGISTERED_BY = "clusternet-agent";
  private static final Logger log = LoggerFactory.getLogger(Registrar.class);

  private final AgentOptions options;
  private final String clusterName;
  private final HubApi hub;
  private final CredentialStore store;
  private final Duration pollInterval;
  private final String fallbackCaPem;
  private final AtomicLong posts;
  private final BooleanSupplier stopping;

  /**
   * @param clusterName   the name to register (from --cluster-reg-name, or generated once per agent)
   * @param fallbackCaPem the CA from --parent-ca-file, stored when the hub does not hand one back
   * @param posts         counts every registration POST made
   * @param stopping      true once the agent is closing: waits end with an InterruptedException
   */
  public Registrar(AgentOptions options, String clusterName, HubApi hub, CredentialStore store,
      Duration pollInterval, String fallbackCaPem, AtomicLong posts, BooleanSupplier stopping) {
    this.options = options;
    this.clusterName = clusterName;
    this.hub = hub;
    this.store = store;
    this.pollInterval = pollInterval;
    this.fallbackCaPem = fallbackCaPem;
    this.posts = posts;
    this.stopping = stopping;
  }

  /** The stored credential for this parent URL, or a new registration. */
  public ParentCredential obtain(String clusterId) throws ApiException, RegistrationRejectedException,
      InterruptedException {
    Optional<ParentCredential> stored = store.load(options.parentUrl());
    if (stored.isPresent()) {
      log.info("reusing the credential in Secret {}/{} for {} (ManagedCluster {}/{})", options.namespace(),
          CredentialStore.SECRET_NAME, options.parentUrl(), stored.get().namespace(), stored.get().clusterName());
      return stored.get();
    }
    String storedUrl = store.storedParentUrl();
    if (storedUrl != null) {
      log.warn("Secret {}/{} was written for parent {}, now {}: registering again", options.namespace(),
          CredentialStore.SECRET_NAME, storedUrl, options.parentUrl());
    }
    return register(clusterId);
  }

  /** Registers with the bootstrap token (again), waits for the result and stores the credential. */
  public ParentCredential register(String clusterId) throws RegistrationRejectedException, InterruptedException {
    ClusterRegistrationRequest request = request(clusterId);
    String name = request.metadata().name();
    log.info("registering cluster {} as {} with {}", clusterId, clusterName, options.parentUrl());
    while (true) {
      ClusterRegistrationRequest reply = null;
      posts.incrementAndGet();
      try {
        reply = hub.createRegistration(request, options.bootstrapToken());
        log.info("ClusterRegistrationRequest {} created", name);
      } catch (HubException e) {
        stopIfClosing();
        if (e.code() == 409) {
          log.info("ClusterRegistrationRequest {} exists already; waiting for its result", name);
        } else if (e.code() == 400 || e.code() == 422) {
          throw new RegistrationRejectedException("Invalid", "the hub refused the registration request: "
              + e.getMessage());
        } else {
          log.error("registration failed, retrying in about {}: {}", GoDuration.format(pollInterval), e.getMessage());
          pause();
          continue;
        }
      }
      // poll until the hub decides; a request that vanished meanwhile is posted again
      while (result(reply) == null) {
        pause();
        try {
          reply = hub.getRegistration(name, options.bootstrapToken());
        } catch (HubException e) {
          stopIfClosing();
          if (e.notFound()) {
            log.warn("ClusterRegistrationRequest {} is gone; posting it again", name);
            break;
          }
          log.warn("cannot read ClusterRegistrationRequest {}: {}", name, e.getMessage());
        }
      }
      String result = result(reply);
      if (result == null) {
        continue;
      }
      if (!ClusterRegistrationRequest.APPROVED.equals(result)) {
        String message = reply.status().errorMessage();
        throw new RegistrationRejectedException(result, "the hub answered the registration of cluster " + clusterId
            + " " + result + (message == null || message.isBlank() ? "" : ": " + message));
      }
      ParentCredential credential = credential(reply);
      if (credential == null) {
        log.error("ClusterRegistrationRequest {} is Approved but lacks token, namespace or cluster name; retrying",
            name);
        pause();
        continue;
      }
      saveUntilStored(credential);
      log.info("cluster {} registered: ManagedCluster {}/{}", clusterId, credential.namespace(),
          credential.clusterName());
      return credential;
    }
  }

  private void saveUntilStored(ParentCredential credential) throws InterruptedException {
    while (true) {
      try {
        store.save(credential);
        return;
      } catch (ApiException e) {
        stopIfClosing();
        log.error("cannot write Secret {}/{} (code {}), retrying: {}", options.namespace(),
            CredentialStore.SECRET_NAME, e.getCode(), e.getMessage());
        pause();
      }
    }
  }

  ClusterRegistrationRequest request(String clusterId) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(ManagedCluster.LABEL_REGISTERED_BY, REGISTERED_BY);
    labels.put(ManagedCluster.LABEL_CLUSTER_ID, clusterId);
    labels.put(ManagedCluster.LABEL_CLUSTER_NAME, clusterName);
    ObjectMeta metadata = new ObjectMeta(ClusterRegistrationRequest.nameFor(clusterId), null, null, null, null, null,
        null, null, labels, null);
    return new ClusterRegistrationRequest(HubApi.GROUP_VERSION, ClusterRegistrationRequest.KIND, metadata,
        new ClusterRegistrationRequest.Spec(clusterId, options.clusterType(), clusterName,
            options.clusterNamespace(), options.clusterLabels().isEmpty() ? null : options.clusterLabels(),
            options.syncMode()),
        null);
  }

  private ParentCredential credential(ClusterRegistrationRequest reply) {
    ClusterRegistrationRequest.RequestStatus status = reply.status();
    if (blank(status.token()) || blank(status.dedicatedNamespace()) || blank(status.managedClusterName())) {
      return null;
    }
    String caPem = fallbackCaPem;
    if (!blank(status.caCertificate())) {
      try {
        caPem = new String(Base64.getMimeDecoder().decode(status.caCertificate()), StandardCharsets.US_ASCII);
      } catch (IllegalArgumentException e) {
        log.warn("the hub's status.caCertificate is not base64; storing the CA of {}", AgentOptions.PARENT_CA_FILE);
      }
    }
    return new ParentCredential(options.parentUrl(), status.token(), status.dedicatedNamespace(),
        status.managedClusterName(), caPem);
  }

  private static String result(ClusterRegistrationRequest reply) {
    return reply == null || reply.status() == null || blank(reply.status().result()) ? null : reply.status().result();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private void stopIfClosing() throws InterruptedException {
    if (stopping.getAsBoolean()) {
      throw new InterruptedException("agent closing");
    }
  }

  private void pause() throws InterruptedException {
    stopIfClosing();
    Thread.sleep(Math.max(1, Backoff.jitter(pollInterval).toMillis()));
  }
}
