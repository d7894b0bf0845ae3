package io.flotilla.loadtest;

import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import com.typesafe.config.Config;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;

/**
 * A hub in this JVM for benchmarks: embedded Cassandra in a child JVM (or the one named by
 * {@code FLOTILLA_CASSANDRA} / {@code -Dflotilla.cassandra}, host:port), a fresh keyspace, HTTPS on
 * a free loopback port and a fresh home (CA, admin and bootstrap tokens) in a temporary folder. With
 * more than one node, they form one Akka cluster (the first joins itself, the others join it; remoting
 * over mutual TLS as deployed), each with its own HTTPS port.
 */
public final class LocalHub implements AutoCloseable {
  private final EmbeddedCassandra cassandra;
  private final List<Hub> nodes;
  private final List<Config> configs;
  private final List<Integer> ports;
  private final HubHome home;
  private final String contactPoint;
  private final String keyspace;

  private LocalHub(EmbeddedCassandra cassandra, List<Hub> nodes, List<Config> configs, List<Integer> ports,
      HubHome home, String contactPoint, String keyspace) {
    this.cassandra = cassandra;
    this.nodes = nodes;
    this.configs = configs;
    this.ports = ports;
    this.home = home;
    this.contactPoint = contactPoint;
    this.keyspace = keyspace;
  }

  public static LocalHub start() throws Exception {
    return start(1);
  }

  public static LocalHub start(int nodeCount) throws Exception {
    Path dir = Files.createTempDirectory("flotilla-loadtest");
    String external = System.getProperty("flotilla.cassandra", System.getenv("FLOTILLA_CASSANDRA"));
    EmbeddedCassandra cassandra = external == null || external.isBlank()
        ? EmbeddedCassandra.start(dir.resolve("cassandra")) : null;
    List<Hub> nodes = new ArrayList<>();
    List<Config> configs = new ArrayList<>();
    try {
      String contactPoint = cassandra != null ? cassandra.contactPoint() : external;
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < nodeCount; i++) {
        ports.add(freePort());
      }
      HubHome home = HubHome.open(dir.resolve("home"), ports.get(0), List.of());
      String keyspace = "bench_" + UUID.randomUUID().toString().substring(0, 8);
      Config common = CassandraConfig.overrides(CassandraConfig.parseContactPoints(contactPoint), keyspace, true)
          .withFallback(ConfigFactory.load());
      List<String> seeds = List.of();
      for (int port : ports) {
        configs.add(nodeConfig(port, nodeCount, seeds).withFallback(common));
        nodes.add(Hub.start(configs.get(configs.size() - 1), home));
        seeds = List.of(Cluster.get(nodes.get(0).system()).selfMember().address().toString());
      }
      awaitAllUp(nodes);
      return new LocalHub(cassandra, nodes, List.copyOf(configs), List.copyOf(ports), home, contactPoint, keyspace);
    } catch (Exception | Error e) {
      closeAll(nodes, cassandra);
      throw e;
    }
  }

  private static Config nodeConfig(int port, int nodeCount, List<String> seeds) {
    Map<String, Object> node = new HashMap<>(Map.of("flotilla.hub.port", port, "flotilla.hub.bind-address",
        "127.0.0.1"));
    if (nodeCount > 1) {
      node.putAll(Map.of(
          "akka.cluster.seed-nodes", seeds,
          "flotilla.hub.remoting-tls", true,
          "akka.cluster.jmx.multi-mbeans-in-same-jvm", "on",
          // the nodes share two cores with Cassandra and the load: pauses of seconds are starvation, not loss
          "akka.cluster.failure-detector.acceptable-heartbeat-pause", "10s"));
    }
    return ConfigFactory.parseMap(node);
  }

  /**
   * Waits until every node sees all of them Up: load that starts earlier puts every shard on the first node,
   * and moving them while it runs measures the rebalance, not the hub.
   */
  private static void awaitAllUp(List<Hub> nodes) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (!nodes.stream().allMatch(node -> upMembers(node) == nodes.size())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the hub's " + nodes.size() + " nodes did not all come Up within 2 minutes");
      }
      Thread.sleep(200); // polling with a deadline
    }
  }

  private static long upMembers(Hub node) {
    return StreamSupport.stream(Cluster.get(node.system()).state().getMembers().spliterator(), false)
        .filter(member -> member.status() == MemberStatus.up())
        .count();
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
    return ports.get(0);
  }

  /** The hub's Cassandra, host:port. */
  public String contactPoint() {
    return contactPoint;
  }

  /** The hub's keyspace (its journal and read models). */
  public String keyspace() {
    return keyspace;
  }

  /** The first node. */
  public Hub hub() {
    return nodes.get(0);
  }

  /** The first node's URL. */
  public String baseUrl() {
    return baseUrls().get(0);
  }

  /** Every node's URL, in start order. */
  public List<String> baseUrls() {
    return ports.stream().map(port -> "https://127.0.0.1:" + port).toList();
  }

  /**
   * A full restart of a one-node hub on the same Cassandra, keyspace, home and port: the node
   * stops (its entities and projections with it) and a new one starts, as `bin/flotilla hub` would.
   */
  public void restart() throws Exception {
    if (nodes.size() != 1) {
      throw new IllegalStateException("restart takes a one-node hub");
    }
    nodes.remove(0).close();
    nodes.add(Hub.start(configs.get(0), home));
  }

  @Override
  public void close() throws Exception {
    closeAll(nodes, cassandra);
  }

  private static void closeAll(List<Hub> nodes, EmbeddedCassandra cassandra) throws Exception {
    try {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        nodes.get(i).close();
      }
    } finally {
      if (cassandra != null) {
        cassandra.close();
      }
    }
  }
}
