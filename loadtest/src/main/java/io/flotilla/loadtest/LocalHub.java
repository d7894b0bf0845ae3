package io.flotilla.loadtest;

import com.typesafe.config.ConfigFactory;
import io.flotilla.hub.Hub;
import io.flotilla.hub.security.HubHome;
import io.flotilla.persistence.CassandraConfig;
import io.flotilla.persistence.EmbeddedCassandra;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A hub in this JVM for benchmarks: embedded Cassandra in a child JVM (or the one named by
 * {@code FLOTILLA_CASSANDRA} / {@code -Dflotilla.cassandra}, host:port), a fresh keyspace, HTTPS on
 * a free loopback port and a fresh home (CA, admin and bootstrap tokens) in a temporary folder.
 */
public final class LocalHub implements AutoCloseable {
  private final EmbeddedCassandra cassandra;
  private final Hub hub;
  private final HubHome home;
  private final int port;
  private final String contactPoint;
  private final String keyspace;

  private LocalHub(EmbeddedCassandra cassandra, Hub hub, HubHome home, int port, String contactPoint,
      String keyspace) {
    this.cassandra = cassandra;
    this.hub = hub;
    this.home = home;
    this.port = port;
    this.contactPoint = contactPoint;
    this.keyspace = keyspace;
  }

  public static LocalHub start() throws Exception {
    Path dir = Files.createTempDirectory("flotilla-loadtest");
    String external = System.getProperty("flotilla.cassandra", System.getenv("FLOTILLA_CASSANDRA"));
    EmbeddedCassandra cassandra = external == null || external.isBlank()
        ? EmbeddedCassandra.start(dir.resolve("cassandra")) : null;
    try {
      String contactPoint = cassandra != null ? cassandra.contactPoint() : external;
      int port = freePort();
      HubHome home = HubHome.open(dir.resolve("home"), port, List.of());
      String keyspace = "bench_" + UUID.randomUUID().toString().substring(0, 8);
      Hub hub = Hub.start(ConfigFactory.parseMap(Map.of("flotilla.hub.port", port,
              "flotilla.hub.bind-address", "127.0.0.1"))
          .withFallback(CassandraConfig.overrides(CassandraConfig.parseContactPoints(contactPoint), keyspace, true))
          .withFallback(ConfigFactory.load()), home);
      return new LocalHub(cassandra, hub, home, port, contactPoint, keyspace);
    } catch (Exception | Error e) {
      if (cassandra != null) {
        cassandra.close();
      }
      throw e;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  public HubHome home() {
    return home;
  }

  public int port() {
    return port;
  }

  /** The hub's Cassandra, host:port. */
  public String contactPoint() {
    return contactPoint;
  }

  /** The hub's keyspace (its journal and read models). */
  public String keyspace() {
    return keyspace;
  }

  public Hub hub() {
    return hub;
  }

  public String baseUrl() {
    return "https://127.0.0.1:" + port;
  }

  @Override
  public void close() throws Exception {
    try {
      hub.close();
    } finally {
      if (cassandra != null) {
        cassandra.close();
      }
    }
  }
}
