package io.flotilla.k8s.push;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.api.HubPlugin;
import io.flotilla.k8s.agent.Backoff;
import io.flotilla.k8s.agent.ChildClients;
import io.flotilla.k8s.agent.Deployers;
import io.flotilla.k8s.agent.DescriptionSync;
import io.flotilla.k8s.agent.HubDescriptions;
import io.flotilla.k8s.agent.HubException;
import io.flotilla.k8s.agent.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push and Dual delivery (Clusternet's sync modes): the hub deploys a cluster's Descriptions
 * itself, through the cluster's tunnel, when its ManagedCluster says Push, or Dual with
 * status.appPusher true (unknown: no push, and a Dual agent that allows pushing does not pull
 * either, so the two never race, unlike clusternet#473).
 *
 * <p>It runs on the hub node that holds the cluster's tunnel, for as long as it holds one: the
 * same {@link DescriptionSync} as a pulling agent (list, watch, deploy each new generation, report
 * status with a resourceVersion precondition), with the admin token on the hub's own API and the
 * child reached through the hub's proxy (`.../proxy/direct`, as the agent's service account).
 * Level-triggered, so a cluster that comes back gets the latest Descriptions, not a replay. Whether
 * the cluster may be pushed to is asked again at every resync.
 *
 * <p>A Pull cluster costs one read of its ManagedCluster when its tunnel opens, on a small shared
 * pool, and no thread: its mode comes from its agent's flags, and an agent restarted with another
 * mode opens a new tunnel, which is checked again. (A thread per tunnel polling the mode made a
 * fleet of Pull agents cost a thread and a request every 10 s each.)
 */
public final class PushDelivery implements HubPlugin {
  private static final Logger log = LoggerFactory.getLogger(PushDelivery.class);
  /** Blocking reads of ManagedClusters at once: a fleet redialing after a hub restart queues here. */
  private static final int MODE_CHECKERS = 4;

  /** resync: how long one watch runs before listing again and re-reading the cluster's mode. */
  public record Timing(Duration retryInitial, Duration waitForPusherCap, Duration resync) {
    public static final Timing DEFAULT = new Timing(Duration.ofSeconds(1), Duration.ofSeconds(10),
        Duration.ofSeconds(30));
  }

  private final Timing timing;
  private final Map<String, Pusher> pushers = new HashMap<>();
  private final ScheduledExecutorService modeChecks = Executors.newScheduledThreadPool(MODE_CHECKERS, runnable -> {
    Thread thread = new Thread(runnable, "flotilla-push-mode-check");
    thread.setDaemon(true);
    return thread;
  });
  private Endpoint hub;
  private HubDescriptions descriptions;
  private boolean closed;

  /** For ServiceLoader. */
  public PushDelivery() {
    this(Timing.DEFAULT);
  }

  public PushDelivery(Timing timing) {
    this.timing = timing;
  }

  @Override
  public synchronized void start(Endpoint hub) {
    this.hub = hub;
    this.descriptions = new HubDescriptions(hub.url(), Pem.trusting(hub.caCertificatePem()));
  }

  @Override
  public synchronized void tunnelOpened(String clusterId) {
    if (closed || hub == null) {
      return;
    }
    Pusher pusher = pushers.computeIfAbsent(clusterId, Pusher::new);
    if (pusher.tunnels++ == 0) {
      modeChecks.execute(pusher::startUnlessPull);
    }
  }

  @Override
  public synchronized void tunnelClosed(String clusterId) {
    Pusher pusher = pushers.get(clusterId);
    if (pusher != null && --pusher.tunnels == 0) {
      pushers.remove(clusterId);
      pusher.stop();
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    modeChecks.shutdownNow();
    pushers.values().forEach(Pusher::stop);
    pushers.clear();
  }

  /** The cluster's dedicated namespace if the hub may push to it now; empty otherwise. */
  Optional<String> pushableNamespace(String clusterId) throws HubException {
    JsonNode cluster = descriptions.managedCluster(clusterId, hub.adminToken());
    if (cluster == null) {
      return Optional.empty();
    }
    String mode = cluster.path("spec").path("syncMode").asText();
    boolean pushable = mode.equals("Push") || (mode.equals("Dual") && cluster.path("status").path("appPusher").asBoolean(false));
    return pushable ? Optional.of(cluster.path("metadata").path("namespace").asText()) : Optional.empty();
  }

  /** One cluster's delivery, on its own thread while this node holds the cluster's tunnel. */
  private final class Pusher {
    private final String clusterId;
    private final Backoff checks = new Backoff(timing.retryInitial(), timing.waitForPusherCap());
    private Thread thread;
    private int tunnels;
    private volatile boolean stopped;

    Pusher(String clusterId) {
      this.clusterId = clusterId;
    }

    /**
     * Starts pushing unless the cluster syncs by Pull (then its agent deploys); asks again later
     * if the hub does not answer, or does not list the cluster yet (its directory lags a fresh
     * registration by seconds, and the new agent's tunnel opens at once).
     */
    void startUnlessPull() {
      if (stopped) {
        return;
      }
      JsonNode cluster;
      try {
        cluster = descriptions.managedCluster(clusterId, hub.adminToken());
      } catch (HubException e) {
        checkLater(e.getMessage());
        return;
      }
      if (cluster == null) {
        checkLater("not listed yet");
        return;
      }
      if ("Pull".equals(cluster.path("spec").path("syncMode").asText())) {
        return;
      }
      synchronized (this) {
        if (!stopped) {
          thread = new Thread(this::run, "flotilla-push-" + clusterId);
          thread.setDaemon(true);
          thread.start();
        }
      }
    }

    private void checkLater(String why) {
      Duration delay = checks.next();
      log.debug("cannot tell the sync mode of cluster {} yet, again in {} ms: {}", clusterId, delay.toMillis(), why);
      try {
        modeChecks.schedule(this::startUnlessPull, delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closing) {
        // the hub node is stopping
      }
    }

    synchronized void stop() {
      stopped = true;
      if (thread != null) {
        thread.interrupt();
      }
    }

    private void run() {
      Backoff waiting = new Backoff(timing.retryInitial(), timing.waitForPusherCap());
      try {
        Map<String, DescriptionSync.Deployer> deployers = null;
        while (!stopped) {
          Optional<String> namespace = pushableNamespaceQuietly();
          if (namespace.isEmpty()) {
            TimeUnit.NANOSECONDS.sleep(waiting.next().toNanos());
            continue;
          }
          waiting.reset();
          if (deployers == null) {
            Path dir = Files.createDirectories(hub.workDir().resolve("push").resolve(clusterId));
            Path kubeconfig = writeKubeconfig(dir.resolve("kubeconfig"));
            deployers = Deployers.forChild(ChildClients.fromKubeconfig(kubeconfig), kubeconfig, dir);
          }
          log.info("pushing the Descriptions of cluster {} (namespace {})", clusterId, namespace.get());
          new DescriptionSync(descriptions, hub::adminToken, namespace.get(), deployers, timing.retryInitial(),
              timing.resync(), false, () -> stopped || !namespace.equals(pushableNamespaceQuietly())).run();
        }
      } catch (InterruptedException e) {
        // the tunnel closed
      } catch (IOException | RuntimeException e) {
        log.error("push delivery to cluster {} stopped", clusterId, e);
      }
      log.info("push delivery to cluster {} ends", clusterId);
    }

    private Optional<String> pushableNamespaceQuietly() {
      try {
        return pushableNamespace(clusterId);
      } catch (HubException e) {
        log.warn("cannot read the ManagedCluster of {}: {}", clusterId, e.getMessage());
        return Optional.empty();
      }
    }

    /**
     * The child as the hub reaches it: its proxy's direct path, with the admin token (the agent
     * then acts as its service account). helm-java reads kubeconfigs only, so the Generic
     * deployer's client is built from the same file.
     */
    private Path writeKubeconfig(Path file) throws IOException {
      String server = hub.url() + "/apis/proxies.clusternet.io/v1alpha1/sockets/" + clusterId + "/proxy/direct";
      String ca = Base64.getEncoder().encodeToString(hub.caCertificatePem().getBytes(StandardCharsets.UTF_8));
      Files.deleteIfExists(file);
      // it holds the admin token
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      return Files.writeString(file, String.join("\n",
          "apiVersion: v1",
          "kind: Config",
          "clusters: [{name: child, cluster: {server: \"" + server + "\", certificate-authority-data: " + ca + "}}]",
          "users: [{name: hub, user: {token: \"" + hub.adminToken() + "\"}}]",
          "contexts: [{name: child, context: {cluster: child, user: hub}}]",
          "current-context: child", ""));
    }
  }
}
