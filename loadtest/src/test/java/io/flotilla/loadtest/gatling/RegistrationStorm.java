package io.flotilla.loadtest.gatling;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.doIf;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.forAll;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.group;
import static io.gatling.javaapi.core.CoreDsl.jmesPath;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.flotilla.loadtest.HubTarget;
import io.flotilla.loadtest.Shapes;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;

/**
 * New agents registering their clusters, open model: {@code clusters} arrivals spread evenly at
 * {@code rate} per second. Each runs the agent's flow (k8s-adapter Registrar, Clusternet's shape):
 * POST a ClusterRegistrationRequest named clusternet-&lt;new cluster id&gt; with the bootstrap
 * token, poll it (every {@code pollMillis}) until it has a result (POST again after a failed POST
 * or a 404 poll, as the agent does), then, with the cluster's own token from its status, read its
 * ManagedCluster and send the first status report. Retries count as requests (and failures).
 *
 * <p>Properties: clusters (200), rate (10 per second), pollMillis (500), registerTimeout (60 s).
 */
public class RegistrationStorm extends Simulation {
  static final String REGISTER = "register (POST clusterregistrationrequests)";
  final HubTarget target = Load.target();
  final int clusters = Load.intProperty("clusters", 200);
  final double rate = Load.doubleProperty("rate", 10);
  final Duration poll = Duration.ofMillis(Load.intProperty("pollMillis", 500));
  final Duration registerTimeout = Load.seconds("registerTimeout", 60);
  final String runId = Load.runId();

  /** Unique cluster ids (what each agent takes from its kube-system Lease UID), never repeating. */
  Iterator<Map<String, Object>> newClusters() {
    return Load.numbered(n -> Map.of("clusterId", UUID.randomUUID().toString(), "clusterName", "storm-" + runId + "-" + n,
        "region", "r" + (n % 10)));
  }

  /** The agent's loop: POST; on 201/409 poll (GET) until a result; 404 on a poll or a failed POST → POST again. */
  final ChainBuilder registerUntilDecided = exec(session -> session.set("post", true).set("attempt", 0))
      .asLongAsDuring(session -> session.getString("result") == null || session.getString("result").isEmpty(),
          registerTimeout).on(
          doIf(session -> session.getInt("attempt") > 0).then(pause(poll))
              .exec(session -> session.set("attempt", session.getInt("attempt") + 1).remove("code"))
              .doIfOrElse(session -> session.getBoolean("post")).then(
                  exec(http(REGISTER)
                      .post(Shapes.CLUSTERS_API + "/clusterregistrationrequests")
                      .header("Authorization", "Bearer " + target.bootstrapToken())
                      .body(StringBody(session -> Shapes.registration(session.getString("clusterId"),
                          session.getString("clusterName"),
                          Map.of(Load.RUN_LABEL, runId, "region", session.getString("region")))))
                      .check(status().saveAs("code"), status().in(201, 409),
                          jmesPath("status.result").optional().saveAs("result"),
                          jmesPath("status.token").optional().saveAs("token"),
                          jmesPath("status.dedicatedNamespace").optional().saveAs("namespace"),
                          jmesPath("status.managedClusterName").optional().saveAs("name")))
                      // created or there already: poll it; anything else (5xx, no answer): post again
                      .exec(session -> session.set("post", !"201".equals(session.getString("code"))
                          && !"409".equals(session.getString("code")))))
              .orElse(
                  exec(http("poll registration (GET clusterregistrationrequests/<name>)")
                      .get(Shapes.CLUSTERS_API + "/clusterregistrationrequests/clusternet-#{clusterId}")
                      .header("Authorization", "Bearer " + target.bootstrapToken())
                      .check(status().saveAs("code"), status().is(200),
                          jmesPath("status.result").optional().saveAs("result"),
                          jmesPath("status.token").optional().saveAs("token"),
                          jmesPath("status.dedicatedNamespace").optional().saveAs("namespace"),
                          jmesPath("status.managedClusterName").optional().saveAs("name")))
                      .exec(session -> session.set("post", "404".equals(session.getString("code"))))));

  final ScenarioBuilder agents = scenario("RegistrationStorm")
      .feed(newClusters())
      .group("agent registration (until the first status report)").on(
          exec(registerUntilDecided)
              // fails (KO) when there is no Approved result with a token: nothing to authenticate with
              .exec(http("read own ManagedCluster (cluster token)")
                  .get(Shapes.CLUSTERS_API + "/namespaces/#{namespace}/managedclusters/#{name}")
                  .header("Authorization", "Bearer #{token}")
                  .check(status().is(200), jmesPath("spec.clusterId").isEL("#{clusterId}")))
              .exec(http("first status report (PUT status, cluster token)")
                  .put(Shapes.CLUSTERS_API + "/namespaces/#{namespace}/managedclusters/#{name}/status")
                  .header("Authorization", "Bearer #{token}")
                  .body(StringBody(session -> Shapes.statusReport(session.getString("namespace"),
                      session.getString("name"), "v1.30.2")))
                  .check(status().is(200), jmesPath("status.k8sVersion").is("v1.30.2"))));

  {
    Duration during = Duration.ofMillis(Math.max(1, Math.round(clusters * 1000 / rate)));
    setUp(agents.injectOpen(rampUsers(clusters).during(during)))
        .protocols(Load.protocol(true))
        .assertions(
            global().failedRequests().percent().lt(1.0),
            forAll().failedRequests().percent().lt(1.0),
            // every agent got as far as its first report (not: how fast)
            global().successfulRequests().count().gte((long) Math.ceil(clusters * 0.99 * 3)));
  }

  @Override
  public void after() {
    Load.close();
  }
}
