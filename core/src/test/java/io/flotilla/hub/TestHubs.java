package io.flotilla.hub;

import akka.cluster.typed.Cluster;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flotilla.hub.security.HubHome;
import io.flotilla.persistence.CassandraConfig;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Hubs under test: the shared embedded Cassandra, the test class's keyspace, free ports. */
public final class TestHubs {
  private TestHubs() {}

  /** A started hub with its home and a client that trusts its CA. */
  public record Running(HubHome home, Hub hub, HubClient client) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      hub.close();
    }
  }

  /** On a free port, so that the home's admin.kubeconfig points at it (kubectl tests use it). */
  public static Running start(EmbeddedCassandraExtension cassandra, Path home) throws Exception {
    return start(home, config(cassandra));
  }

  /**
   * Binds port 0 and only then writes the kubeconfig with the port it got: a port probed beforehand
   * can be taken (by the Cassandra driver's outgoing connections, say) before the hub binds it.
   */
  public static Running start(Path home, Config config) throws Exception {
    HubHome unbound = HubHome.open(home, 1, List.of());
    Hub hub = Hub.start(ConfigFactory.parseMap(Map.of("flotilla.hub.port", 0)).withFallback(config), unbound);
    HubHome hubHome = HubHome.open(home, hub.port(), List.of());
    return new Running(hubHome, hub, new HubClient(hubHome.clientSslContext(), hub.port()));
  }

  /**
   * A node of a multi-node hub that may lose a node: it joins by {@code seeds}, downs an
   * unreachable node by keep-majority, and stops like a crash (no graceful leave, no hand-off).
   */
  public static Config nodeConfig(List<String> seeds, EmbeddedCassandraExtension cassandra) {
    return ConfigFactory.parseMap(Map.of(
            "akka.cluster.seed-nodes", seeds,
            "akka.cluster.split-brain-resolver.active-strategy", "keep-majority",
            "akka.cluster.split-brain-resolver.stable-after", "3s",
            "akka.cluster.jmx.multi-mbeans-in-same-jvm", "on",
            // three nodes, Cassandra and recoveries on two cores: pauses of seconds are starvation, not loss
            "akka.cluster.failure-detector.acceptable-heartbeat-pause", "10s",
            // a crash: no coordinated shutdown, so no graceful leave and no shard hand-off
            "akka.coordinated-shutdown.run-by-actor-system-terminate", "off"))
        .withFallback(config(cassandra));
  }

  /** Starts {@code count} nodes of one hub: the first alone, the others joining it (seeds are its address). */
  public static List<Hub> startNodes(int count, Function<List<String>, Config> config, HubHome home) throws Exception {
    List<Hub> nodes = new ArrayList<>();
    nodes.add(Hub.start(config.apply(List.of()), home));
    String seed = Cluster.get(nodes.get(0).system()).selfMember().address().toString();
    for (int i = 1; i < count; i++) {
      nodes.add(Hub.start(config.apply(List.of(seed)), home));
    }
    return nodes;
  }

  /**
   * Stops a node; a TLS remoting stream that failed can hold up the actor system's termination
   * past Hub.close's wait (akka/akka-core#29162), which is not what a node-loss test is about.
   */
  public static void stop(Hub node) throws Exception {
    try {
      node.close();
    } catch (java.util.concurrent.TimeoutException e) {
      org.slf4j.LoggerFactory.getLogger(TestHubs.class).warn("a node stopped only after its termination timeout");
    }
  }

  public static Config config(EmbeddedCassandraExtension cassandra) {
    return config(cassandra.contactPoint(), cassandra.keyspace());
  }

  /** The same for any Cassandra (a test with its own, say). */
  public static Config config(String contactPoint, String keyspace) {
    // tag queries start at the current hour: nothing in a fresh test keyspace is older
    String firstBucket = ZonedDateTime.now(ZoneOffset.UTC).minusHours(1).truncatedTo(ChronoUnit.HOURS)
        .format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HH:mm"));
    return ConfigFactory.parseMap(Map.of(
            "flotilla.hub.port", 0,
            "flotilla.hub.bind-address", "127.0.0.1",
            "akka.persistence.cassandra.events-by-tag.first-time-bucket", firstBucket,
            "akka.persistence.cassandra.events-by-tag.eventual-consistency-delay", "1s",
            "akka.persistence.cassandra.query.refresh-interval", "500ms"))
        .withFallback(CassandraConfig.overrides(List.of(contactPoint), keyspace, true))
        .withFallback(ConfigFactory.load());
  }
}
