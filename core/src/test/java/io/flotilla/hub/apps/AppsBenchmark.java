package io.flotilla.hub.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.hub.DirectorySeed;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.TestHubs;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time to render one Subscription's Descriptions for a large selection of clusters, printed:
 * (1) rendering alone (CPU: overrides and Description building, no I/O) for 10,000 and 100,000
 * clusters; (2) the whole pipeline on a running hub with embedded Cassandra: directory selection
 * through the label index, a Base and a Description written per cluster (each a new persistent
 * entity), and the Subscription's status, for -Dclusters=N (default 10,000) clusters seeded
 * straight into the directory read model ({@link DirectorySeed}). Not a test (no *Test name, so the build skips it):
 * {@code mvn -pl core test -Dtest=AppsBenchmark [-Dclusters=10000]}.
 */
class AppsBenchmark {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  @TempDir
  static Path home;

  @Test
  void renderingAlone() {
    ObjectNode base = AppsDistributionTest.parse("""
        {"apiVersion":"apps.clusternet.io/v1alpha1","kind":"Base",
         "metadata":{"name":"bench","namespace":"clusternet-bench","uid":"u",
          "labels":{"apps.clusternet.io/subs.name":"bench","apps.clusternet.io/subs.namespace":"default"}},
         "spec":{"feeds":[{"apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"web"},
                          {"apiVersion":"v1","kind":"Service","namespace":"shop","name":"web"}]}}
        """);
    Map<String, ObjectNode> feeds = Map.of(
        "apps/v1/Deployment/shop/web", AppsDistributionTest.deployment("shop", "web", 3),
        "v1/Service/shop/web", AppsDistributionTest.service("shop", "web"));
    ObjectNode glob = AppsDistributionTest.parse("""
        {"apiVersion":"apps.clusternet.io/v1alpha1","kind":"Globalization",
         "metadata":{"name":"g","creationTimestamp":"2026-11-24T00:00:00Z"},
         "spec":{"clusterAffinity":{"matchLabels":{"tier":"edge"}},"priority":100,"overridePolicy":"ApplyNow",
          "feed":{"apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"web"},
          "overrides":[{"name":"img","type":"MergePatch","value":"metadata:\\n  annotations:\\n    tier: edge\\n"}]}}
        """);
    for (int clusters : List.of(10_000, 100_000)) {
      renderAll(base, feeds, glob, clusters / 10); // warm-up
      long start = System.nanoTime();
      int descriptions = renderAll(base, feeds, glob, clusters);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("BENCH render only: %,d clusters, %,d Descriptions in %.2f s (%,.0f clusters/s)%n",
          clusters, descriptions, seconds, clusters / seconds);
    }
  }

  private static int renderAll(ObjectNode base, Map<String, ObjectNode> feeds, ObjectNode glob, int clusters) {
    int descriptions = 0;
    for (int i = 0; i < clusters; i++) {
      descriptions += Rendering.render(base, Map.of("tier", "edge", "n", String.valueOf(i)), feeds, List.of(glob),
          List.of(), Map.of(), Map.of("apps/v1/Deployment/shop/web", "/spec/replicas")).size();
    }
    return descriptions;
  }

  @Test
  void wholePipeline() throws Exception {
    int clusters = Integer.getInteger("clusters", 10_000);
    try (TestHubs.Running running = TestHubs.start(cassandra, home)) {
      String selector = "bench-" + UUID.randomUUID().toString().substring(0, 8);
      double seeded = DirectorySeed.seed(running.hub().system(), cassandra.keyspace(), clusters,
          i -> Map.of(selector, "yes"));
      System.out.printf("BENCH seeded %,d clusters into the directory in %.1f s%n", clusters, seeded);

      HubClient client = running.client();
      String admin = running.home().adminToken();
      assertEquals(201, client.post("/apis/apps/v1/namespaces/shop/deployments", admin,
          AppsDistributionTest.deployment("shop", "web", 3)).code());
      ObjectNode sub = AppsDistributionTest.subscription("default", "bench",
          List.of(AppsDistributionTest.subscriber(selector, "yes", null)),
          List.of(AppsDistributionTest.feedRef("apps/v1", "Deployment", "shop", "web")));
      long start = System.nanoTime();
      assertEquals(201, client.post(AppsDistributionTest.APPS + "/namespaces/default/subscriptions", admin, sub).code());
      TestProbe.create(running.hub().system()).awaitAssert(Duration.ofMinutes(30), Duration.ofSeconds(1), () -> {
        JsonNode status = client.get(AppsDistributionTest.APPS + "/namespaces/default/subscriptions/bench", admin)
            .json().path("status");
        assertEquals(clusters, status.path("bindingClusters").size());
        return null;
      });
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("BENCH pipeline: Subscription selecting %,d clusters -> %,d Bases + %,d Descriptions "
          + "written in %.1f s (%,.0f clusters/s)%n", clusters, clusters, clusters, seconds, clusters / seconds);
    }
  }
}
