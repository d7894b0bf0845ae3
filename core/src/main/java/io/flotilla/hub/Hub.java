package io.flotilla.hub;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.http.javadsl.ConnectionContext;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.management.cluster.bootstrap.ClusterBootstrap;
import akka.management.javadsl.AkkaManagement;
import akka.persistence.cassandra.query.javadsl.CassandraReadJournal;
import akka.persistence.query.PersistenceQuery;
import akka.projection.cassandra.javadsl.CassandraProjection;
import akka.stream.Materializer;
import akka.stream.alpakka.cassandra.javadsl.CassandraSession;
import akka.stream.alpakka.cassandra.javadsl.CassandraSessionRegistry;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flotilla.api.HubPlugin;
import io.flotilla.hub.apps.Apps;
import io.flotilla.hub.cluster.ClusterChanges;
import io.flotilla.hub.cluster.ClusterDirectory;
import io.flotilla.hub.cluster.ClusterDirectoryProjection;
import io.flotilla.hub.cluster.HealthCheckWheel;
import io.flotilla.hub.cluster.ClusterHistory;
import io.flotilla.hub.cluster.ClusterRegistry;
import io.flotilla.hub.cluster.ClusterWakeUp;
import io.flotilla.hub.cluster.FleetSummary;
import io.flotilla.hub.cluster.ManagedClusterEntity;
import io.flotilla.hub.http.Authenticator;
import io.flotilla.hub.http.BootstrapTokenSecrets;
import io.flotilla.hub.http.ClusterRegistrationRequestHandler;
import io.flotilla.hub.http.HealthRoutes;
import io.flotilla.hub.events.EventRecorder;
import io.flotilla.hub.http.EventHandler;
import io.flotilla.hub.http.FleetSummaryHandler;
import io.flotilla.hub.http.HubRoutes;
import io.flotilla.hub.http.MetricsEndpoint;
import io.flotilla.hub.http.ManagedClusterHandler;
import io.flotilla.hub.http.ObjectApi;
import io.flotilla.hub.http.ResourceHandler;
import io.flotilla.hub.http.RequestBodyReader;
import io.flotilla.hub.http.ResourceRoutes;
import io.flotilla.hub.http.StoreAvailability;
import io.flotilla.hub.http.UiRoutes;
import io.flotilla.hub.objects.Kinds;
import io.flotilla.hub.objects.ObjectIndex;
import io.flotilla.hub.objects.ObjectStore;
import io.flotilla.hub.objects.kinds.SecretCodec;
import io.flotilla.hub.security.HubHome;
import io.flotilla.hub.tunnel.TunnelConnection;
import io.flotilla.hub.tunnel.TunnelRoutes;
import io.flotilla.tunnel.TunnelSettings;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One hub node: the actor system (joined to its Akka cluster), the cluster entities, the
 * directory projection and the HTTPS API. Started by HubMain, and by tests on a shared Cassandra.
 */
public final class Hub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Hub.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);

  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final ScheduledExecutorService tunnelTimers;
  private final HubPlugins plugins;

  private Hub(ActorSystem<Void> system, ServerBinding binding, ScheduledExecutorService tunnelTimers,
      HubPlugins plugins) {
    this.system = system;
    this.binding = binding;
    this.tunnelTimers = tunnelTimers;
    this.plugins = plugins;
  }

  /** Starts a node; `config` must be complete (see HubMain for how it is layered). */
  public static Hub start(Config config, HubHome home) throws Exception {
    if (config.getBoolean("flotilla.hub.remoting-tls")) {
      config = remotingTls(home.remotingTls()).withFallback(config);
    }
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "flotilla", config);
    // the tunnels' keepalive timers: one thread for all of this node's agents
    ScheduledExecutorService tunnelTimers = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "flotilla-tunnel-timers");
      thread.setDaemon(true);
      return thread;
    });
    HubPlugins plugins = HubPlugins.load(config.getBoolean("flotilla.hub.plugins"));
    try {
      Cluster cluster = Cluster.get(system);
      if (config.getBoolean("flotilla.hub.cluster-bootstrap")) {
        AkkaManagement.get(system.classicSystem()).start();
        ClusterBootstrap.get(system.classicSystem()).start();
      } else if (config.getStringList("akka.cluster.seed-nodes").isEmpty()) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      Config hub = config.getConfig("flotilla.hub");
      String keyspace = config.getString("flotilla.cassandra.keyspace");
      CassandraSession session = CassandraSessionRegistry.get(system)
          .sessionFor("akka.projection.cassandra.session-config");
      ClusterDirectory directory = new ClusterDirectory(session, keyspace, hub.getInt("list-chunk"));
      EventRecorder events = new EventRecorder(session, keyspace, hub.getDuration("events.ttl"), Clock.systemUTC());
      if (config.getBoolean("flotilla.cassandra.schema-autocreate")) {
        createSchema(system, session, keyspace, directory, events);
      }

      Duration askTimeout = hub.getDuration("ask-timeout");
      ClusterRegistry clusters = ClusterRegistry.init(system, new ManagedClusterEntity.Dependencies(
          home.tokenCipher(), Base64.getEncoder().encodeToString(home.caCertificatePemBytes()),
          hub.getDuration("observed-time-persist-interval"), hub.getDuration("unknown-after-without-frequency"),
          askTimeout, Clock.systemUTC(), HealthCheckWheel.start(system, hub.getDuration("health-check-tick")),
          PersistenceQuery.get(system).getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier())));
      ClusterWakeUp.init(system, session, hub.getInt("wake-up-per-second"), hub.getInt("wake-up-in-flight"));

      Authenticator authenticator = new Authenticator(system, home.adminToken(), home.bootstrapToken(), home.viewerToken(),
          new BootstrapTokenSecrets(ObjectStore.init(system, askTimeout), new SecretCodec(home.tokenCipher()),
              Clock.systemUTC()),
          askTimeout);
      HubMetrics metrics = HubMetrics.get(system);
      ObjectIndex objectIndex = new ObjectIndex(session, keyspace);
      FleetSummary fleet = new FleetSummary(session, keyspace, hub.getDuration("fleet-summary-max-age"),
          Clock.systemUTC(), Materializer.matFromSystem(system));
      List<ResourceHandler> handlers = new ArrayList<>(List.of(
          new ClusterRegistrationRequestHandler(clusters, directory, Materializer.matFromSystem(system), metrics, events,
              hub.getDouble("limits.registrations-per-second")),
          new ManagedClusterHandler(clusters, directory, new ClusterHistory(system, objectIndex),
              new ClusterChanges(system, clusters),
              Materializer.matFromSystem(system), metrics),
          new FleetSummaryHandler(fleet)));
      handlers.addAll(ObjectApi.start(system, session, keyspace, config.getBoolean("flotilla.cassandra.schema-autocreate"),
          home.tokenCipher(), askTimeout, events));
      handlers.addAll(EventHandler.both(events));
      Apps apps = Apps.start(system, ObjectStore.init(system, askTimeout), objectIndex, directory,
          Kinds.all(home.tokenCipher()), hub.getDuration("apps.reconcile-timeout"));
      ClusterDirectoryProjection.init(system, directory, apps, events);
      // API failures that come from Cassandra being gone are answered 503, not 504/500 (StoreAvailability)
      ResourceRoutes resources = new ResourceRoutes(handlers, authenticator, metrics,
          new RequestBodyReader(hub.getBytes("max-request-bytes"), hub.getBytes("oversize-request-drain-bytes"),
              hub.getDuration("request-body-timeout")), new StoreAvailability(() -> cassandraProblem(session)));
      Config tunnel = hub.getConfig("tunnel");
      TunnelRoutes tunnels = new TunnelRoutes(system, clusters, authenticator, new TunnelConnection.Settings(
          TunnelSettings.DEFAULT.withPing(tunnel.getDuration("ping-interval"), tunnel.getDuration("ping-timeout")),
          tunnel.getDuration("register-interval"), tunnelTimers, plugins), tunnel.getDuration("response-timeout"));
      HealthRoutes health = new HealthRoutes(() -> readiness(cluster, session), version(),
          new MetricsEndpoint(authenticator, metrics, fleet));
      ServerBinding binding = Http.get(system)
          .newServerAt(hub.getString("bind-address"), hub.getInt("port"))
          .enableHttps(ConnectionContext.httpsServer(home.serverSslContext()))
          .bind(new HubRoutes(health, tunnels, resources, new UiRoutes(), hub.getConfig("limits")).route())
          .toCompletableFuture().get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      log.info("hub API listening on https://{}", binding.localAddress());
      plugins.start(new HubPlugin.Endpoint(URI.create("https://127.0.0.1:" + binding.localAddress().getPort()),
          home.adminToken(), home.caCertificatePem(), home.dir().resolve("plugins")));
      return new Hub(system, binding, tunnelTimers, plugins);
    } catch (Exception | Error e) {
      plugins.close();
      tunnelTimers.shutdownNow();
      system.terminate();
      throw e;
    }
  }

  public int port() {
    return binding.localAddress().getPort();
  }

  public ActorSystem<Void> system() {
    return system;
  }

  @Override
  public void close() throws Exception {
    plugins.close();
    try {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException listenerGone) {
      // Akka HTTP's listener can stop on its own first (seen after a peer node was killed): then
      // nothing is bound any more, and the node must still terminate
      system.log().warn("the HTTP listener had already stopped: {}", listenerGone.getCause().toString());
    }
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    tunnelTimers.shutdownNow();
  }

  private static void createSchema(ActorSystem<?> system, CassandraSession session, String keyspace,
      ClusterDirectory directory, EventRecorder events) throws Exception {
    session.executeDDL("CREATE KEYSPACE IF NOT EXISTS " + keyspace
            + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        .thenCompose(done -> directory.createTable())
        .thenCompose(done -> events.createTable())
        .thenCompose(done -> CassandraProjection.createTablesIfNotExists(system))
        .toCompletableFuture().get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  /**
   * Artery over TLS 1.3 with mutual authentication: a node proves it holds a certificate of this
   * home's CA; hostnames are not checked (pods come and go, the CA is the membership).
   */
  static Config remotingTls(HubHome.RemotingTls tls) {
    return ConfigFactory.parseMap(Map.of(
        "akka.remote.artery.transport", "tls-tcp",
        "akka.remote.artery.ssl.config-ssl-engine.key-store", tls.keyStore().toString(),
        "akka.remote.artery.ssl.config-ssl-engine.trust-store", tls.trustStore().toString(),
        "akka.remote.artery.ssl.config-ssl-engine.key-store-password", tls.password(),
        "akka.remote.artery.ssl.config-ssl-engine.key-password", tls.password(),
        "akka.remote.artery.ssl.config-ssl-engine.trust-store-password", tls.password(),
        "akka.remote.artery.ssl.config-ssl-engine.protocol", "TLSv1.3",
        "akka.remote.artery.ssl.config-ssl-engine.enabled-algorithms",
            List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"),
        "akka.remote.artery.ssl.config-ssl-engine.require-mutual-authentication", "on",
        "akka.remote.artery.ssl.config-ssl-engine.hostname-verification", "off"));
  }

  /** Ready when this node is an Up cluster member and Cassandra answers a query. */
  private static CompletionStage<String> readiness(Cluster cluster, CassandraSession session) {
    if (cluster.selfMember().status() != MemberStatus.up()) {
      return CompletableFuture.completedFuture("cluster membership is " + cluster.selfMember().status());
    }
    return cassandraProblem(session);
  }

  /** Null when Cassandra answers a query within 2 s, else why not. */
  private static CompletionStage<String> cassandraProblem(CassandraSession session) {
    return session.selectOne("SELECT release_version FROM system.local")
        .thenApply(row -> (String) null)
        .exceptionally(failure -> "cassandra: " + failure.getMessage())
        .toCompletableFuture()
        .completeOnTimeout("cassandra: no answer within 2s", 2, TimeUnit.SECONDS);
  }

  static String version() {
    String version = Hub.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }
}
