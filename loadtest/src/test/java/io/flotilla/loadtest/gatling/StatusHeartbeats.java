package io.flotilla.loadtest.gatling;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jmesPath;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.flotilla.loadtest.FleetClient;
import io.flotilla.loadtest.Shapes;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A registered fleet reporting status: {@code clusters} clusters (registered, each with a first
 * report, in before()) take turns PUTting their ManagedCluster's status subresource with their own
 * token, {@code rate} reports per second for {@code duration} (open model). The default rate is
 * the agent's default heartbeat, every 3 minutes: clusters / 180 per second. Unchanged reports,
 * as a healthy fleet sends them (the hub keeps them in memory, persists at most every 5 minutes).
 * With {@code rampSeconds}, the rate first climbs from a tenth of it over that time: a fresh hub
 * (and Gatling) on 2 cores needs minutes of load before the JIT has compiled the heartbeat path, and
 * an open model offered the full rate cold piles up users and connections until it collapses.
 *
 * <p>Properties: clusters (500), rate (clusters/180), rampSeconds (0), duration (20 s), concurrency (32
 * setup requests in flight).
 */
public class StatusHeartbeats extends Simulation {
  static final String HEARTBEAT = "heartbeat (PUT managedclusters/<name>/status, cluster token)";
  static final String HEARTBEAT_RAMP = "heartbeat during the ramp";
  final int clusters = Load.intProperty("clusters", 500);
  final double rate = Load.doubleProperty("rate", clusters / 180.0);
  final Duration ramp = Load.seconds("rampSeconds", 0);
  final Duration duration = Load.seconds("duration", 20);
  final String runId = Load.runId();
  volatile List<FleetClient.Cluster> fleet = List.of();

  /** The registered clusters in turn, round and round: cluster i beats every clusters/rate seconds. */
  Iterator<Map<String, Object>> inTurn() {
    return Load.numbered(n -> {
      FleetClient.Cluster cluster = fleet.get((int) (n % fleet.size()));
      return Map.of("path", cluster.path(), "token", cluster.token(), "namespace", cluster.namespace(),
          "name", cluster.name());
    });
  }

  /** Heartbeats as one request name (the ramp's and the steady rate's are reported apart). */
  ScenarioBuilder beats(String scenario, String requestName) {
    return scenario(scenario)
        .feed(inTurn())
        .exec(http(requestName)
            .put("#{path}/status")
            .header("Authorization", "Bearer #{token}")
            .body(StringBody(session -> Shapes.statusReport(session.getString("namespace"),
                session.getString("name"), "v1.30.2")))
            .check(status().is(200), jmesPath("status.readyz").ofBoolean().is(true)));
  }

  {
    Load.target();
    PopulationBuilder steady = beats("StatusHeartbeats", HEARTBEAT).injectOpen(constantUsersPerSec(rate).during(duration));
    double offered = rate * duration.toSeconds() + (ramp.isZero() ? 0 : 0.55 * rate * ramp.toSeconds());
    setUp(ramp.isZero() ? steady : beats("StatusHeartbeats ramp", HEARTBEAT_RAMP)
            .injectOpen(rampUsersPerSec(rate / 10).to(rate).during(ramp)).andThen(steady))
        .protocols(Load.protocol(true))
        .assertions(
            global().failedRequests().percent().lt(1.0),
            global().successfulRequests().count().gte((long) Math.floor(offered * 0.99)));
  }

  @Override
  public void before() {
    fleet = Load.fleet().register(clusters, "beat-" + runId, i -> Map.of(Load.RUN_LABEL, runId), true);
    System.out.printf("StatusHeartbeats: %d clusters, %.1f reports/s (each cluster every %.0f s) for %d s after a %d s ramp%n",
        clusters, rate, clusters / rate, duration.toSeconds(), ramp.toSeconds());
  }

  @Override
  public void after() {
    Load.close();
  }
}
