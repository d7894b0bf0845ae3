package io.flotilla.loadtest.gatling;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.forAll;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jmesPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.core.CoreDsl.uniformRandomSwitch;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.flotilla.loadtest.FleetClient;
import io.flotilla.loadtest.Shapes;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntPredicate;

/**
 * Reading the fleet: {@code clusters} clusters registered in before() with labels region=r0..r9
 * (cluster i: r(i mod 10)) and tier gold (i mod 10 = 0), silver (1..3), bronze (the rest), listed by
 * an admin at {@code rate} queries per second for {@code duration} (open model). Each query is one
 * of the kinds below, picked uniformly; a query follows limit/continue to its last page (each page a
 * request) and its last page fails unless the number listed is exactly what this run registered
 * (selectors include this run's label) or, for fleet-wide queries, at least that.
 *
 * <p>Properties: clusters (200), rate (3 queries per second), duration (10 s), limit (100 per page).
 */
public class ListSelectors extends Simulation {
  final int clusters = Load.intProperty("clusters", 200);
  final double rate = Load.doubleProperty("rate", 3);
  final Duration duration = Load.seconds("duration", 10);
  final int limit = Load.intProperty("limit", 100);
  final String runId = Load.runId();
  final String run = Load.RUN_LABEL + "=" + runId;
  volatile List<FleetClient.Cluster> fleet = List.of();

  static String region(int i) {
    return "r" + (i % 10);
  }

  static String tier(int i) {
    int bucket = i % 10;
    return bucket == 0 ? "gold" : bucket <= 3 ? "silver" : "bronze";
  }

  int count(IntPredicate which) {
    int n = 0;
    for (int i = 0; i < clusters; i++) {
      n += which.test(i) ? 1 : 0;
    }
    return n;
  }

  ChainBuilder exactly(String name, String selector, int expected) {
    return Load.pagedList(name, Shapes.CLUSTERS_API + "/managedclusters", session -> selector, limit,
        total -> total == expected, "exactly " + expected);
  }

  ChainBuilder atLeast(String name, String selector, int pageLimit, int expected) {
    return Load.pagedList(name, Shapes.CLUSTERS_API + "/managedclusters", session -> selector, pageLimit,
        total -> total >= expected, "at least " + expected);
  }

  final ScenarioBuilder queries = scenario("ListSelectors").exec(uniformRandomSwitch().on(
      exactly("list run=<id> (label index)", run, clusters),
      exactly("list run=<id>,region=r3", run + ",region=r3", count(i -> region(i).equals("r3"))),
      exactly("list run=<id>,tier in (gold,silver)", run + ",tier in (gold,silver)",
          count(i -> !tier(i).equals("bronze"))),
      exactly("list run=<id>,region!=r0", run + ",region!=r0", count(i -> !region(i).equals("r0"))),
      atLeast("list region!=r0 (no index: directory scan)", "region!=r0", limit,
          count(i -> !region(i).equals("r0"))),
      atLeast("list all (limit 500, directory scan)", null, 500, clusters),
      exec(session -> {
        FleetClient.Cluster one = fleet.get(ThreadLocalRandom.current().nextInt(fleet.size()));
        return session.set("path", one.path()).set("namespace", one.namespace()).set("clusterId", one.clusterId());
      }).exec(http("get one ManagedCluster (admin)").get("#{path}").header("Authorization", Load.admin())
              .check(status().is(200), jmesPath("spec.clusterId").isEL("#{clusterId}")))
          .exec(http("list one dedicated namespace").get(Shapes.CLUSTERS_API + "/namespaces/#{namespace}/managedclusters")
              .header("Authorization", Load.admin())
              .check(status().is(200), jmesPath("length(items)").ofInt().is(1)))));

  {
    Load.target();
    setUp(queries.injectOpen(constantUsersPerSec(rate).during(duration)))
        .protocols(Load.protocol(true))
        .assertions(global().failedRequests().percent().lt(1.0), forAll().failedRequests().percent().lt(1.0),
            global().successfulRequests().count().gte((long) Math.floor(rate * duration.toSeconds() * 0.99)));
  }

  @Override
  public void before() {
    fleet = Load.fleet().register(clusters, "list-" + runId,
        i -> Map.of(Load.RUN_LABEL, runId, "region", region(i), "tier", tier(i)), true);
    // lists read the directory (a projection, ~1 s behind): start once it shows every cluster
    Load.fleet().awaitCount(Shapes.CLUSTERS_API + "/managedclusters", run, clusters,
        Duration.ofSeconds(60 + clusters / 100));
    System.out.printf("ListSelectors: %d clusters, %.1f queries/s for %d s, %d per page%n", clusters, rate,
        duration.toSeconds(), limit);
  }

  @Override
  public void after() {
    Load.close();
  }
}
