package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.flotilla.api.Json;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.Kubectl;
import io.flotilla.hub.TestHubs;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet summary's counts from the directory, the metrics a Prometheus scrape sees, and the
 * viewer token: reads all but Secrets, writes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FleetSummaryTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();
  static final String SUMMARY = "/apis/fleet.flotilla.io/v1alpha1/fleetsummaries/fleet";
  static final String MCLS = "/apis/clusters.clusternet.io/v1beta1/managedclusters";

  @TempDir
  static Path home;
  TestHubs.Running hub;
  /** Registered clusters: ready on v1.30.2 in eu, not ready on v1.31.0 in eu, never reported in us. */
  JsonNode ready;
  JsonNode notReady;
  JsonNode silent;

  @BeforeAll
  void start() throws Exception {
    hub = TestHubs.start(home, ConfigFactory.parseMap(Map.of("flotilla.hub.fleet-summary-max-age", "500ms"))
        .withFallback(TestHubs.config(cassandra)));
    ready = register(Map.of("region", "eu", "shop", "s-1"));
    notReady = register(Map.of("region", "eu", "shop", "s-2"));
    silent = register(Map.of("region", "us"));
    report(ready, "v1.30.2", true);
    report(notReady, "v1.31.0", false);
  }

  @AfterAll
  void stop() throws Exception {
    hub.close();
  }

  JsonNode register(Map<String, String> labels) {
    HubClient.Reply reply = hub.client().register(hub.home().bootstrapToken(), labels);
    assertEquals(201, reply.code(), reply.body());
    return reply.json();
  }

  void report(JsonNode crr, String version, boolean readyz) {
    ObjectNode body = HubClient.statusReport(crr, version);
    ((ObjectNode) body.get("status")).put("readyz", readyz);
    HubClient.Reply reply = hub.client().put(HubClient.managedClusterPath(crr) + "/status",
        crr.at("/status/token").asText(), body);
    assertEquals(200, reply.code(), reply.body());
  }

  HubClient.Reply viewer(String path) {
    return hub.client().get(path, hub.home().viewerToken());
  }

  @Test
  void countsReadinessVersionsSyncModesAndALabelsValues() {
    TestProbe.create(hub.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(300), () -> {
      HubClient.Reply reply = viewer(SUMMARY + "?labelKey=region");
      assertEquals(200, reply.code(), reply.body());
      JsonNode summary = reply.json();
      assertEquals("FleetSummary", summary.path("kind").asText());
      assertEquals(3, summary.path("total").asLong(), summary.toString());
      assertEquals(Json.MAPPER.readTree("{\"NotReady\":1,\"Ready\":1,\"Unknown\":1}"), summary.path("readiness"));
      assertEquals(Json.MAPPER.readTree("{\"unreported\":1,\"v1.30.2\":1,\"v1.31.0\":1}"),
          summary.path("kubernetesVersions"));
      assertEquals(3, summary.at("/syncModes/Pull").asLong(), summary.toString());
      assertEquals(Json.MAPPER.readTree("{\"key\":\"region\",\"values\":{\"eu\":2,\"us\":1},\"otherValues\":0,"
          + "\"unlabelled\":0}"), summary.path("label"));
      return null;
    });
    JsonNode shops = viewer(SUMMARY + "?labelKey=shop").json();
    assertEquals(1, shops.at("/label/unlabelled").asLong(), shops.toString());
    assertEquals(2, shops.at("/label/values").size(), shops.toString());
    assertTrue(shops.path("labelKeys").toString().contains("\"shop\""), shops.toString());

    assertEquals(404, viewer(SUMMARY.replace("/fleet", "/other")).code());
    assertEquals(403, hub.client().get(SUMMARY, silent.at("/status/token").asText()).code(),
        "a cluster's token does not see the fleet");
    assertEquals(403, hub.client().get(SUMMARY, hub.home().bootstrapToken()).code());
  }

  @Test
  void aViewerReadsClustersAndObjectsButNeitherWritesNorSeesSecretsOrCredentials() {
    String viewerToken = hub.home().viewerToken();
    String mcls = HubClient.managedClusterPath(ready);
    assertEquals(200, viewer(mcls).code());
    assertEquals(200, viewer(mcls + "/history").code());
    assertEquals(200, viewer(MCLS + "?labelSelector=region%3Deu").code());
    assertEquals(200, viewer("/api/v1/configmaps").code());

    HubClient.Reply relabel = hub.client().mergePatch(mcls, viewerToken, Map.of("metadata", Map.of("labels",
        Map.of("region", "asia"))));
    assertEquals(403, relabel.code(), relabel.body());
    assertEquals(403, hub.client().delete(mcls, viewerToken).code());
    assertEquals("eu", hub.client().get(mcls, hub.home().adminToken()).text("/metadata/labels/region"));

    HubClient.Reply create = hub.client().post("/api/v1/namespaces/default/configmaps", viewerToken,
        Map.of("apiVersion", "v1", "kind", "ConfigMap", "metadata", Map.of("name", "by-viewer")));
    assertEquals(403, create.code(), create.body());
    assertEquals(404, hub.client().get("/api/v1/namespaces/default/configmaps/by-viewer", hub.home().adminToken()).code());

    assertEquals(403, viewer("/api/v1/secrets").code());
    assertEquals(403, viewer("/api/v1/namespaces/default/secrets/anything").code());
    HubClient.Reply crr = viewer("/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests/"
        + ready.at("/metadata/name").asText());
    assertEquals(403, crr.code(), "a registration request carries the cluster's token");
    assertEquals(403, hub.client().register(viewerToken, Map.of()).code());
  }

  @Test
  void metricsCountRegistrationsStatusReportsApiRequestsAndClustersByReadiness() {
    TestProbe.create(hub.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(300), () -> {
      HubClient.Reply scraped = viewer("/metrics");
      assertEquals(200, scraped.code(), scraped.body());
      String text = scraped.body();
      assertTrue(text.contains("flotilla_registrations_total{result=\"Approved\"} 3.0"), text);
      assertTrue(text.contains("flotilla_status_reports_total 2.0"), text);
      assertTrue(text.contains("flotilla_status_report_seconds_count 2"), text);
      assertTrue(text.contains("flotilla_clusters{readiness=\"Ready\"} 1.0"), text);
      assertTrue(text.contains("flotilla_clusters{readiness=\"Unknown\"} 1.0"), text);
      assertTrue(text.lines().anyMatch(l -> l.startsWith("flotilla_api_requests_total{code=\"201\",method=\"POST\"}")),
          text);
      assertTrue(text.lines().anyMatch(l -> l.matches(
          "flotilla_journal_write_seconds_count\\{entity=\"ManagedCluster\"\\} [1-9][0-9]*")), text);
      assertTrue(text.lines().anyMatch(l -> l.matches(
          "flotilla_projection_lag_seconds\\{projection=\"managed-cluster-directory\",slice=\"[0-9]+\"\\} [0-9.E-]+")), text);
      assertTrue(text.contains("jvm_memory_used_bytes"), text);
      return null;
    });
    assertEquals(401, hub.client().get("/metrics", null).code());
    assertEquals(403, hub.client().get("/metrics", silent.at("/status/token").asText()).code());
    assertEquals(401, hub.client().get(MCLS, "not-a-token").code());
    assertTrue(viewer("/metrics").body().lines().anyMatch(l -> l.startsWith("flotilla_authentication_failures_total ")
        && !l.endsWith(" 0.0")), "a refused token is counted");
  }

  @Test
  void kubectlWithTheViewerKubeconfigPrintsTheSummary() throws Exception {
    Kubectl kubectl = Kubectl.require("PATH");
    Path viewerKubeconfig = hub.home().dir().resolve("viewer.kubeconfig");
    assertTrue(Files.readString(viewerKubeconfig).contains(hub.home().viewerToken()));
    TestProbe.create(hub.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(300), () -> {
      Kubectl.Result table = kubectl.run(viewerKubeconfig, "get", "fleetsummary", "fleet");
      assertEquals(0, table.exitCode(), table.err());
      assertTrue(table.out().lines().anyMatch(l -> l.matches("NAME\\s+CLUSTERS\\s+READY\\s+NOT READY\\s+UNKNOWN\\s+AGE\\s*")),
          table.out());
      assertTrue(table.out().lines().anyMatch(l -> l.matches("fleet\\s+3\\s+1\\s+1\\s+1\\s+\\S+\\s*")), table.out());
      return null;
    });
    Kubectl.Result write = kubectl.run(viewerKubeconfig, "label", "mcls", "-n",
        ready.at("/status/dedicatedNamespace").asText(), ready.at("/status/managedClusterName").asText(), "x=y");
    assertTrue(write.exitCode() != 0 && write.err().contains("Forbidden"), write.err());
  }
}
