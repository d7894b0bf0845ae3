package io.flotilla.loadtest.gatling;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jmesPath;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.flotilla.loadtest.FleetClient;
import io.flotilla.loadtest.Shapes;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A registered fleet reporting status: {@code clusters} clusters (registered, each with a first
 * report, in before()) PUT their ManagedCluster's status subresource with their own token. Each
 * virtual user is one agent: it arrives (open model: all at once, or spread over
 * {@code rampSeconds}) and then beats on its own ticker every {@code clusters / rate} seconds
 * until the run ends, one beat at a time, as the agent does. The agents' tickers are evenly
 * phased, so the fleet offers {@code rate} reports per second; a beat that takes longer than the
 * period skips the ticks it missed (they are missing from the count the run asserts), as a
 * ticker does. The default rate is the agent's default heartbeat, every 3 minutes:
 * clusters / 180 per second. Unchanged reports, as a healthy fleet sends them (the hub keeps them
 * in memory, persists at most every 5 minutes).
 *
 * <p>Why agents and not one user per report: with a user per report, a stall of a few seconds on
 * the 2 shared cores left thousands of reports waiting, and Gatling opened a connection for each
 * (past its 20,000 file descriptors) while the arrivals went on; the run never came back. A real
 * fleet has one report in flight per agent at most. The ramp lets the JIT of a fresh hub (and of
 * Gatling) compile the heartbeat path before the full rate; its beats are reported apart.
 *
 * <p>Properties: clusters (500), rate (clusters/180), rampSeconds (0), duration (20 s), concurrency
 * (32 setup requests in flight).
 */
public class StatusHeartbeats extends Simulation {
  static final String HEARTBEAT = "heartbeat (PUT managedclusters/<name>/status, cluster token)";
  static final String HEARTBEAT_RAMP = "heartbeat during the ramp";
  private static final String NEXT_TICK = "nextTick";
  final int clusters = Load.intProperty("clusters", 500);
  final double rate = Load.doubleProperty("rate", clusters / 180.0);
  final Duration ramp = Load.seconds("rampSeconds", 0);
  final Duration duration = Load.seconds("duration", 20);
  final Ticks ticks = new Ticks(clusters, Math.round(clusters / rate * 1000), ramp.toMillis(), duration.toMillis());
  final String runId = Load.runId();
  volatile List<FleetClient.Cluster> fleet = List.of();

  /**
   * The fleet's timeline, in epoch milliseconds: it starts a second after the first agent
   * arrives (so agents arriving together are all there for their first tick); agent i ticks at
   * start + i·period/agents + k·period; beats ticking before start + ramp are the ramp's, and no
   * agent beats from start + ramp + duration on.
   */
  record Ticks(int agents, long periodMillis, long rampMillis, long durationMillis, AtomicLong start) {
    Ticks(int agents, long periodMillis, long rampMillis, long durationMillis) {
      this(agents, periodMillis, rampMillis, durationMillis, new AtomicLong());
    }

    private static final long LEAD_MILLIS = 1000;

    /** Agent {@code agent}'s first tick at or after {@code time}. */
    long tickFrom(int agent, long time) {
      start.compareAndSet(0, time + LEAD_MILLIS);
      long phase = start.get() + agent * periodMillis / agents;
      return time <= phase ? phase : phase + (time - phase + periodMillis - 1) / periodMillis * periodMillis;
    }

    long end() {
      return start.get() + rampMillis + durationMillis;
    }

    String requestName(long tick) {
      return tick < start.get() + rampMillis ? HEARTBEAT_RAMP : HEARTBEAT;
    }
  }

  /** The registered clusters, one to each agent (user), with its place in the fleet. */
  Iterator<Map<String, Object>> agents() {
    return Load.numbered(n -> {
      FleetClient.Cluster cluster = fleet.get((int) (n % fleet.size()));
      return Map.of("agent", (int) (n % clusters), "path", cluster.path(), "token", cluster.token(),
          "namespace", cluster.namespace(), "name", cluster.name());
    });
  }

  {
    Load.target();
    OpenInjectionStep arrivals = ramp.isZero() ? atOnceUsers(clusters) : rampUsers(clusters).during(ramp);
    setUp(scenario("StatusHeartbeats")
        .feed(agents())
        .exec(session -> session.set(NEXT_TICK, ticks.tickFrom(session.getInt("agent"), System.currentTimeMillis())))
        .asLongAs(session -> session.getLong(NEXT_TICK) < ticks.end()).on(
            pause(session -> Duration.ofMillis(Math.max(0, session.getLong(NEXT_TICK) - System.currentTimeMillis())))
                .exec(session -> session.set("requestName", ticks.requestName(session.getLong(NEXT_TICK))))
                .exec(http("#{requestName}")
                    .put("#{path}/status")
                    .header("Authorization", "Bearer #{token}")
                    .body(StringBody(session -> Shapes.statusReport(session.getString("namespace"),
                        session.getString("name"), "v1.30.2")))
                    .check(status().is(200), jmesPath("status.readyz").ofBoolean().is(true)))
                .exec(session -> session.set(NEXT_TICK, ticks.tickFrom(session.getInt("agent"),
                    Math.max(System.currentTimeMillis(), session.getLong(NEXT_TICK) + 1)))))
        .injectOpen(arrivals))
        .protocols(Load.protocol(true))
        .assertions(
            global().failedRequests().percent().lt(1.0),
            details(HEARTBEAT).successfulRequests().count().gte((long) Math.floor(rate * duration.toSeconds() * 0.99)));
  }

  @Override
  public void before() {
    fleet = Load.fleet().register(clusters, "beat-" + runId, i -> Map.of(Load.RUN_LABEL, runId), true);
    System.out.printf("StatusHeartbeats: %d agents, %.1f reports/s (each agent every %.1f s) for %d s after a %d s ramp%n",
        clusters, rate, ticks.periodMillis() / 1000.0, duration.toSeconds(), ramp.toSeconds());
  }

  @Override
  public void after() {
    Load.close();
  }
}
