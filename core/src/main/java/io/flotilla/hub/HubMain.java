package io.flotilla.hub;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flotilla.api.JvmDefaults;
import io.flotilla.hub.security.HubHome;
import io.flotilla.persistence.CassandraConfig;
import io.flotilla.persistence.EmbeddedCassandra;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * `flotilla hub`: starts one hub node. Without --cassandra (or FLOTILLA_CASSANDRA) it starts its
 * own Cassandra under <home>/cassandra and creates the schema; with it, the schema must exist
 * (deploy/cql/schema.cql).
 */
public final class HubMain {
  static final String USAGE = """
      usage: flotilla hub [--home DIR] [--port N] [--bind-address ADDR] [--cassandra HOST:PORT[,HOST:PORT...]]
                          [--keyspace NAME]
        --home          where the hub keeps its CA, tokens, admin.kubeconfig and embedded data (default ./.flotilla)
        --port          HTTPS port of the API (default 6443)
        --bind-address  address to listen on (default 0.0.0.0)
        --cassandra     external Cassandra contact points (default: $FLOTILLA_CASSANDRA, else an embedded Cassandra)
        --keyspace      Cassandra keyspace (default flotilla)
      """;

  /** The options `flotilla hub` takes, as `--name value` or `--name=value`. */
  public static final List<String> OPTIONS = List.of("home", "port", "bind-address", "cassandra", "keyspace");

  private HubMain() {}

  public static void main(String[] args) throws Exception {
    JvmDefaults.apply();
    Optional<Started> started = start(args);
    if (started.isPresent()) {
      started.get().hub().system().getWhenTerminated().toCompletableFuture().join();
    }
  }

  /** A running hub node and its home (tokens, CA, kubeconfig). */
  public record Started(Hub hub, HubHome home) {}

  /**
   * Parses the options and starts a node (and an embedded Cassandra unless one is given);
   * empty after --help. A bad option prints usage and exits 2.
   */
  public static Optional<Started> start(String[] args) throws Exception {
    Map<String, String> options;
    try {
      options = Options.parse(args, OPTIONS);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage() + "\n" + USAGE);
      System.exit(2);
      return Optional.empty();
    }
    if (options.containsKey("help")) {
      System.out.print(USAGE);
      return Optional.empty();
    }
    Config defaults = ConfigFactory.load();
    Path home = Path.of(options.getOrDefault("home", defaults.getString("flotilla.hub.home"))).toAbsolutePath();
    int port = Integer.parseInt(options.getOrDefault("port", defaults.getString("flotilla.hub.port")));
    String cassandra = options.getOrDefault("cassandra", System.getenv("FLOTILLA_CASSANDRA"));
    String keyspace = options.getOrDefault("keyspace", defaults.getString("flotilla.cassandra.keyspace"));

    HubHome hubHome = HubHome.open(home, port, List.of());
    List<String> contactPoints;
    boolean embedded = cassandra == null || cassandra.isBlank();
    EmbeddedCassandra embeddedCassandra = null;
    if (embedded) {
      embeddedCassandra = EmbeddedCassandra.start(home.resolve("cassandra"));
      contactPoints = List.of(embeddedCassandra.contactPoint());
    } else {
      contactPoints = CassandraConfig.parseContactPoints(cassandra);
    }
    Config config = ConfigFactory.parseMap(Map.of(
            "flotilla.hub.home", home.toString(),
            "flotilla.hub.port", port,
            "flotilla.hub.bind-address", options.getOrDefault("bind-address", defaults.getString("flotilla.hub.bind-address"))))
        .withFallback(CassandraConfig.overrides(contactPoints, keyspace, embedded))
        .withFallback(defaults);
    Hub hub = Hub.start(config, hubHome);
    if (embeddedCassandra != null) {
      embeddedCassandra.stopAfter(hub.system().getWhenTerminated(), Duration.ofSeconds(60));
    }
    System.out.printf("""

        Flotilla hub is up: https://127.0.0.1:%d  (Cassandra %s%s)
          admin kubeconfig: %s
          bootstrap token:  %s
          CA certificate:   %s
        %n""", hub.port(), String.join(",", contactPoints), embedded ? ", embedded" : "",
        hubHome.kubeconfig(), hubHome.dir().resolve("bootstrap-token"), hubHome.dir().resolve("ca.crt"));
    return Optional.of(new Started(hub, hubHome));
  }
}
