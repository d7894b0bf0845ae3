package io.flotilla.loadtest.gatling;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.group;
import static io.gatling.javaapi.core.CoreDsl.jmesPath;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.flotilla.loadtest.Shapes;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;

/**
 * Deploying to many clusters at once: {@code clusters} (K) clusters labelled for this run and
 * {@code others} that are not (registered in before(), with a Namespace feed); then
 * {@code subscriptions} admins (open model, spread over {@code rampSeconds}) each create a
 * Deployment feed and a Subscription (apps.clusternet.io/v1alpha1, Replication) selecting the K,
 * and poll (every {@code pollMillis}, up to {@code timeout}) until
 * <ol>
 *   <li>its status binds all K clusters and shows desiredReleases = K (one Generic Description
 *       each), group "fan-out: subscription bound to K clusters";</li>
 *   <li>K Descriptions labelled with its uid exist (paged list over all namespaces), group
 *       "fan-out: K descriptions rendered".</li>
 * </ol>
 * A final GET and a final list fail (KO) unless both hold; then the Subscription is deleted.
 * The groups' times are the fan-out latencies.
 *
 * <p>Properties: clusters (50), others (10), subscriptions (1), rampSeconds (1), pollMillis (500), timeout (120 s).
 */
public class SubscriptionFanOut extends Simulation {
  static final String APPS = Shapes.APPS_API;
  final int clusters = Load.intProperty("clusters", 50);
  final int others = Load.intProperty("others", 10);
  final int subscriptions = Load.intProperty("subscriptions", 1);
  final Duration ramp = Load.seconds("rampSeconds", 1);
  final Duration poll = Duration.ofMillis(Load.intProperty("pollMillis", 500));
  final Duration timeout = Load.seconds("timeout", 120);
  final String runId = Load.runId();
  final String namespace = "loadtest-" + runId;
  final String fanoutLabel = "loadtest.flotilla.io/fanout";

  Iterator<Map<String, Object>> numbered() {
    return Load.numbered(n -> Map.of("deployment", "web-" + n, "subscription", "fanout-" + n));
  }

  String deployment(Session session) {
    String name = session.getString("deployment");
    return """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"%s","namespace":"%s","labels":{"app":"%s"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"%s"}},
          "template":{"metadata":{"labels":{"app":"%s"}},
           "spec":{"containers":[{"name":"web","image":"nginx:1.25",
             "resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}]}}}}
        """.formatted(name, namespace, name, name, name);
  }

  String subscription(Session session) {
    return """
        {"apiVersion":"apps.clusternet.io/v1alpha1","kind":"Subscription",
         "metadata":{"name":"%s","namespace":"%s"},
         "spec":{"subscribers":[{"clusterAffinity":{"matchLabels":{"%s":"%s"}}}],
          "feeds":[{"apiVersion":"apps/v1","kind":"Deployment","namespace":"%s","name":"%s"}]}}
        """.formatted(session.getString("subscription"), namespace, fanoutLabel, runId, namespace,
        session.getString("deployment"));
  }

  boolean bound(Session session) {
    return session.contains("bound") && session.getInt("bound") == clusters
        && session.contains("desired") && session.getInt("desired") == clusters;
  }

  final ScenarioBuilder fanOut = scenario("SubscriptionFanOut")
      .feed(numbered())
      .exec(http("create Deployment feed").post("/apis/apps/v1/namespaces/" + namespace + "/deployments")
          .header("Authorization", Load.admin())
          .body(StringBody(this::deployment)).check(status().is(201)))
      .exec(http("create Subscription").post(APPS + "/namespaces/" + namespace + "/subscriptions")
          .header("Authorization", Load.admin())
          .body(StringBody(this::subscription))
          .check(status().is(201), jmesPath("metadata.uid").saveAs("uid")))
      .group("fan-out: subscription bound to K clusters").on(
          exec(session -> session.remove("bound").remove("desired"))
              .asLongAsDuring(session -> !bound(session), timeout).on(
                  pause(poll).exec(http("poll Subscription status")
                      .get(APPS + "/namespaces/" + namespace + "/subscriptions/#{subscription}")
                      .header("Authorization", Load.admin())
                      .check(status().is(200),
                          jmesPath("length(status.bindingClusters || `[]`)").ofInt().saveAs("bound"),
                          jmesPath("status.desiredReleases || `0`").ofInt().saveAs("desired")))))
      .exec(http("Subscription status (final: K bound, K desired releases)")
          .get(APPS + "/namespaces/" + namespace + "/subscriptions/#{subscription}")
          .header("Authorization", Load.admin())
          .check(status().is(200),
              jmesPath("length(status.bindingClusters || `[]`)").ofInt().is(clusters),
              jmesPath("status.desiredReleases || `0`").ofInt().is(clusters)))
      .group("fan-out: K descriptions rendered").on(
          exec(session -> session.set("listed", -1))
              .asLongAsDuring(session -> session.getInt("listed") != clusters, timeout).on(
                  pause(poll).exec(Load.pagedList("poll Descriptions (all namespaces, subs.uid=<uid>)",
                      APPS + "/descriptions", session -> "apps.clusternet.io/subs.uid=" + session.getString("uid"),
                      500, total -> true, "any"))))
      .exec(Load.pagedList("Descriptions (final: exactly K)", APPS + "/descriptions",
          session -> "apps.clusternet.io/subs.uid=" + session.getString("uid"), 500, total -> total == clusters,
          "exactly " + clusters))
      .exec(http("delete Subscription").delete(APPS + "/namespaces/" + namespace + "/subscriptions/#{subscription}")
          .header("Authorization", Load.admin())
          .check(status().in(200, 202)));

  {
    Load.target();
    setUp(fanOut.injectOpen(rampUsers(subscriptions).during(ramp)))
        .protocols(Load.protocol(true))
        .assertions(global().failedRequests().percent().lt(1.0),
            global().successfulRequests().count().gte(5L * subscriptions));
  }

  @Override
  public void before() {
    Load.fleet().register(clusters, "fan-" + runId, i -> Map.of(Load.RUN_LABEL, runId, fanoutLabel, runId), true);
    if (others > 0) {
      Load.fleet().register(others, "other-" + runId, i -> Map.of(Load.RUN_LABEL, runId, fanoutLabel, "none"),
          true);
    }
    Load.fleet().awaitCount(Shapes.CLUSTERS_API + "/managedclusters", fanoutLabel + "=" + runId, clusters,
        Duration.ofSeconds(60 + clusters / 100));
    Load.fleet().create("/api/v1/namespaces",
        "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + namespace + "\"}}");
    System.out.printf("SubscriptionFanOut: %d Subscription(s), each to %d of %d clusters%n", subscriptions, clusters,
        clusters + others);
  }

  @Override
  public void after() {
    Load.close();
  }
}
