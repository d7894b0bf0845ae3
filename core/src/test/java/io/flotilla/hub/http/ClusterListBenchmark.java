package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.stream.Materializer;
import akka.stream.alpakka.cassandra.javadsl.CassandraSessionRegistry;
import io.flotilla.hub.DirectorySeed;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.TestHubs;
import io.flotilla.hub.cluster.FleetSummary;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * ManagedCluster list latency over a large fleet (-Dclusters=N, default 100,000, seeded into the
 * directory), printed as p50/p99 over 20 requests each: a label selector the label index answers
 * (1% of the fleet), the same with a second requirement, a first page of 500 with and without a
 * selector; and the fleet summary's full scan. Not a test (no *Test name, so the build skips it):
 * {@code mvn -pl core test -Dtest=ClusterListBenchmark [-Dclusters=100000]}.
 */
class ClusterListBenchmark {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  @TempDir
  static Path home;

  static final String MCLS = "/apis/clusters.clusternet.io/v1beta1/managedclusters";

  @Test
  void listLatency() throws Exception {
    int clusters = Integer.getInteger("clusters", 100_000);
    try (TestHubs.Running running = TestHubs.start(cassandra, home)) {
      double seeded = DirectorySeed.seed(running.hub().system(), cassandra.keyspace(), clusters,
          i -> Map.of("region", "r" + (i % 100), "tier", i % 2 == 0 ? "edge" : "core"));
      System.out.printf("BENCH seeded %,d clusters in %.1f s%n", clusters, seeded);
      HubClient client = running.client();
      String admin = running.home().adminToken();
      for (var query : List.of(
          Map.entry("labelSelector=region=r7 (1% of the fleet, all of it)", "?labelSelector=region%3Dr7"),
          Map.entry("labelSelector=region=r7,tier!=core", "?labelSelector=" + encode("region=r7,tier!=core")),
          Map.entry("labelSelector=region=r7, limit=500", "?limit=500&labelSelector=region%3Dr7"),
          Map.entry("no selector, limit=500 (first page of a scan)", "?limit=500"))) {
        int[] items = new int[1];
        List<Double> millis = DirectorySeed.timings(20, () -> {
          HubClient.Reply reply = client.get(MCLS + query.getValue(), admin);
          assertEquals(200, reply.code(), reply.body());
          items[0] = reply.json().path("items").size();
        });
        System.out.printf("BENCH list over %,d clusters, %s: %d items, p50 %.0f ms, p99 %.0f ms%n", clusters,
            query.getKey(), items[0], millis.get(millis.size() / 2), millis.get(millis.size() - 1));
      }
      // the fleet summary's scan (the hub serves the last one and rescans in the background)
      var system = running.hub().system();
      var session = CassandraSessionRegistry.get(system).sessionFor("akka.projection.cassandra.session-config");
      List<Double> scans = DirectorySeed.timings(3, () -> {
        FleetSummary.Counts counts = FleetSummary.scan(session, cassandra.keyspace(), Materializer.matFromSystem(system),
            Instant.now()).toCompletableFuture().join();
        assertEquals(clusters, counts.total());
        assertEquals(100, counts.label("region").values().size());
      });
      System.out.printf("BENCH fleet summary scan over %,d clusters: p50 %.0f ms, max %.0f ms%n", clusters,
          scans.get(scans.size() / 2), scans.get(scans.size() - 1));
    }
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
