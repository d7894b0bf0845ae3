package io.flotilla.k8s.agent;

import io.flotilla.k8s.tunnel.ChildProxy;
import io.flotilla.k8s.tunnel.TunnelClient;
import io.flotilla.tunnel.TunnelSettings;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long-running agent: finds the cluster ID, registers (or reuses the stored credential),
 * keeps the tunnel to the hub open (feature gate SocketConnection), collects the child cluster's
 * status every collect-frequency and reports it every update-frequency, registering again when
 * the hub no longer accepts the credential.
 *
 * <p>{@link #start()} returns at once; {@link #termination()} completes with the exit code: 0 after
 * {@link #close()}, 1 when the hub denied the registration (or the agent failed for good).
 */
public final class Agent implements AutoCloseable {
  public static final String VERSION = versionOf(Agent.class);
  private static final Logger log = LoggerFactory.getLogger(Agent.class);
  private static final String NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

  /**
   * Waits that are not flags: the registration poll (Clusternet: 5 s, jittered), the first
   * retry delay after a failed report (doubling up to the update frequency), the first tunnel
   * redial delay (Clusternet: 5 s; doubling up to 12 times that), and how often the Descriptions
   * are listed again (each watch runs that long; with Recovery, drift is undone that often).
   */
  public record Timing(Duration registrationPollInterval, Duration retryInitial, Duration tunnelRedialInitial,
      Duration descriptionResync) {
    public static final Timing DEFAULT = new Timing(Duration.ofSeconds(5), Duration.ofSeconds(1));

    public Timing(Duration registrationPollInterval, Duration retryInitial) {
      this(registrationPollInterval, retryInitial, Duration.ofSeconds(5));
    }

    public Timing(Duration registrationPollInterval, Duration retryInitial, Duration tunnelRedialInitial) {
      this(registrationPollInterval, retryInitial, tunnelRedialInitial, Duration.ofMinutes(5));
    }
  }

  private final AgentOptions options;
  private final String clusterName;
  private final Timing timing;
  private final ClusterIdentity identity;
  private final Registrar registrar;
  private final StatusCollector collector;
  private final StatusReporter reporter;
  private final AtomicLong registrationPosts = new AtomicLong();
  private final AtomicLong reportsSent = new AtomicLong();
  private final AtomicReference<ParentCredential> credential = new AtomicReference<>();
  private final AtomicReference<String> clusterId = new AtomicReference<>();
  private final AtomicReference<String> failure = new AtomicReference<>();
  private final CompletableFuture<Integer> termination = new CompletableFuture<>();
  private final ScheduledExecutorService collectorThread;
  private final Thread controlThread;
  private final ApiClient child;
  private final ExecutorService tunnelWorkers;
  private final AtomicReference<TunnelClient> tunnel = new AtomicReference<>();
  private final Map<String, DescriptionSync.Deployer> deployers;
  private volatile boolean closed;

  public Agent(AgentOptions options, ApiClient child) {
    this(options, child, Timing.DEFAULT);
  }

  public Agent(AgentOptions options, ApiClient child, Timing timing) {
    this(options, child, timing, Map.of());
  }

  /** deployers: by spec.deployer, for the Descriptions the agent pulls (none: it deploys nothing). */
  public Agent(AgentOptions options, ApiClient child, Timing timing, Map<String, DescriptionSync.Deployer> deployers) {
    this(options, child, timing, new HttpsHubApi(options.parentUrl(), Pem.trusting(caPem(options))), deployers);
  }

  Agent(AgentOptions options, ApiClient child, Timing timing, HubApi hub) {
    this(options, child, timing, hub, Map.of());
  }

  private Agent(AgentOptions options, ApiClient child, Timing timing, HubApi hub,
      Map<String, DescriptionSync.Deployer> deployers) {
    this.options = options;
    this.timing = timing;
    this.clusterName = options.clusterName() != null ? options.clusterName() : generateName(options.clusterNamePrefix());
    this.identity = new ClusterIdentity(child, options.namespace());
    this.registrar = new Registrar(options, clusterName, hub, new CredentialStore(child, options.namespace()),
        timing.registrationPollInterval(), caPem(options), registrationPosts, () -> closed);
    this.collector = new StatusCollector(child, options, VERSION, System.getenv(), Clock.systemUTC());
    this.reporter = new StatusReporter(hub, options.labelsAggregatePrefixes());
    this.collectorThread = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "flotilla-agent-collector"));
    this.controlThread = daemon(this::run, "flotilla-agent");
    this.child = child;
    this.tunnelWorkers = Executors.newCachedThreadPool(r -> daemon(r, "flotilla-tunnel-worker"));
    this.deployers = deployers;
  }

  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("agent closed");
    }
    log.info("flotilla agent {} starting: {}", VERSION, options);
    collectorThread.scheduleWithFixedDelay(this::collectQuietly, 0,
        options.statusCollectFrequency().toNanos(), TimeUnit.NANOSECONDS);
    controlThread.start();
  }

  /** Completes with the process exit code when the agent stops. */
  public CompletableFuture<Integer> termination() {
    return termination;
  }

  /** Why the agent stopped on its own (the hub's answer to the registration), if it did. */
  public Optional<String> failure() {
    return Optional.ofNullable(failure.get());
  }

  /** Registration requests POSTed to the hub by this agent instance. */
  public long registrationPosts() {
    return registrationPosts.get();
  }

  /** Status reports the hub accepted. */
  public long reportsSent() {
    return reportsSent.get();
  }

  /** The credential in use, once registered. */
  public Optional<ParentCredential> credential() {
    return Optional.ofNullable(credential.get());
  }

  /** The cluster ID (UID of Lease clusternet-agent), once read. */
  public Optional<String> clusterId() {
    return Optional.ofNullable(clusterId.get());
  }

  /** The name this agent registers with (--cluster-reg-name or the generated one). */
  public String clusterName() {
    return clusterName;
  }

  /** The tunnel to the hub, once registered with SocketConnection on. */
  public Optional<TunnelClient> tunnel() {
    return Optional.ofNullable(tunnel.get());
  }

  /** The newest collected status, if any. */
  public Optional<StatusCollector.Snapshot> lastCollected() {
    return Optional.ofNullable(collector.latest());
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    collectorThread.shutdownNow();
    controlThread.interrupt();
    TunnelClient client = tunnel.get();
    if (client != null) {
      client.close();
    }
    tunnelWorkers.shutdownNow();
    try {
      if (controlThread.isAlive()) {
        controlThread.join(TimeUnit.SECONDS.toMillis(10));
      }
      collectorThread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    termination.complete(0);
    log.info("flotilla agent stopped");
  }

  private void run() {
    try {
      String id = retry("read the cluster ID", identity::clusterId);
      clusterId.set(id);
      log.info("cluster ID is {} (UID of Lease {}/{})", id, options.namespace(), ClusterIdentity.LEASE_NAME);
      credential.set(retry("load the parent credential", () -> registrar.obtain(id)));
      if (options.featureGates().enabled(FeatureGates.SOCKET_CONNECTION)) {
        openTunnel(id);
      }
      if (!deployers.isEmpty() && options.pulls()) {
        followDescriptions();
      }
      report(id);
    } catch (InterruptedException e) {
      // closing
    } catch (RegistrationRejectedException e) {
      fail(e.getMessage());
    } catch (RuntimeException | Error e) {
      log.error("agent failed", e);
      fail("agent failed: " + e);
    }
  }

  /** Reports every update-frequency; failures back off, a rejected credential registers again. */
  private void report(String id) throws InterruptedException, RegistrationRejectedException {
    Backoff backoff = new Backoff(timing.retryInitial(), options.statusUpdateFrequency());
    while (!closed) {
      try {
        reporter.report(credential.get(), collector.latestOrCollect());
        reportsSent.incrementAndGet();
        backoff.reset();
        pause(options.statusUpdateFrequency());
      } catch (HubException e) {
        if (closed) {
          return; // the call was cut short by close()
        }
        if (e.unauthorized()) {
          log.warn("the hub no longer accepts this cluster's credential ({}); registering again", e.getMessage());
          reporter.reset();
          credential.set(registrar.register(id));
          continue;
        }
        Duration delay = backoff.next();
        log.warn("status report failed, retrying in {} ms: {}", delay.toMillis(), e.getMessage());
        pause(delay);
      }
    }
  }

  /**
   * Pull (and Dual without AppPusher): deploys the Descriptions of the cluster's dedicated
   * namespace. Otherwise the hub pushes them through the tunnel (k8s-adapter's push package).
   */
  private void followDescriptions() {
    DescriptionSync sync = new DescriptionSync(new HubDescriptions(options.parentUrl(), Pem.trusting(caPem(options))),
        () -> credential.get().token(), credential.get().namespace(), deployers, timing.retryInitial(),
        timing.descriptionResync(), options.featureGates().enabled(FeatureGates.RECOVERY), () -> closed);
    daemon(() -> {
      try {
        sync.run();
      } catch (InterruptedException e) {
        // closing
      }
    }, "flotilla-agent-descriptions").start();
  }

  /** Dials the hub and keeps redialing; it reads the current credential at every dial. */
  private synchronized void openTunnel(String id) {
    if (closed) {
      return;
    }
    TunnelClient client = new TunnelClient(options.parentUrl(), id, Pem.trusting(caPem(options)),
        () -> credential.get().token(), new ChildProxy(child, tunnelWorkers), tunnelWorkers, TunnelSettings.DEFAULT,
        timing.tunnelRedialInitial(), timing.tunnelRedialInitial().multipliedBy(12));
    tunnel.set(client);
    client.start();
  }

  private void collectQuietly() {
    try {
      collector.collect();
    } catch (RuntimeException e) {
      log.warn("status collection failed", e);
    }
  }

  private interface ChildCall<T> {
    T call() throws ApiException, RegistrationRejectedException, InterruptedException;
  }

  /** Retries calls to the child API server until they succeed (backing off up to the poll interval). */
  private <T> T retry(String what, ChildCall<T> call) throws InterruptedException, RegistrationRejectedException {
    Backoff backoff = new Backoff(timing.retryInitial(), timing.registrationPollInterval());
    while (true) {
      try {
        return call.call();
      } catch (ApiException e) {
        Duration delay = backoff.next();
        log.warn("cannot {} from the child API server (HTTP {}), retrying in {} ms: {}", what, e.getCode(),
            delay.toMillis(), e.getCode() == 0 ? String.valueOf(e.getCause()) : e.getResponseBody());
        pause(delay);
      }
    }
  }

  private void fail(String message) {
    failure.set(message);
    log.error("{}; the agent exits", message);
    collectorThread.shutdownNow();
    termination.complete(1);
  }

  private void pause(Duration d) throws InterruptedException {
    if (closed) {
      throw new InterruptedException("agent closing");
    }
    TimeUnit.NANOSECONDS.sleep(Math.max(1, d.toNanos()));
  }

  private static String caPem(AgentOptions options) {
    try {
      return Files.readString(options.parentCaFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + AgentOptions.PARENT_CA_FILE + " " + options.parentCaFile(), e);
    }
  }

  static String generateName(String prefix) {
    SecureRandom random = new SecureRandom();
    StringBuilder name = new StringBuilder(prefix).append('-');
    for (int i = 0; i < AgentOptions.RANDOM_SUFFIX_LENGTH; i++) {
      name.append(NAME_ALPHABET.charAt(random.nextInt(NAME_ALPHABET.length())));
    }
    return name.toString();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread thread = new Thread(r, name);
    thread.setDaemon(true);
    return thread;
  }

  private static String versionOf(Class<?> type) {
    String version = type.getPackage() == null ? null : type.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }
}
