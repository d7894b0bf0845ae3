package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.Kubectl;
import io.flotilla.hub.TestHubs;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's story end to end in Pull mode: feeds and a Subscription applied on a real hub, a
 * real agent with its deployers against a sandbox child; the Namespace, Deployment and Service
 * appear in the child, the Description reports Success on the hub (also as `kubectl get desc -A`
 * shows it), a feed edit reaches the child, and deleting the Subscription removes it all.
 */
class AppDeliveryEndToEndTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final Duration WITHIN = Duration.ofSeconds(60);
  static final String APPS = "/apis/apps.clusternet.io/v1alpha1";

  @TempDir
  static Path home;

  static ObjectNode parse(String json) {
    return (ObjectNode) Json.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void aSubscriptionIsDeployedIntoThePullingClusterAndReportsSuccess() throws Exception {
    try (TestHubs.Running running = TestHubs.start(cassandra, home);
        SandboxApiServer child = SandboxApiServer.startSeeded(0, 1)) {
      HubClient hub = running.client();
      String admin = running.home().adminToken();
      Path kubeconfig = child.writeKubeconfig(home.resolve("child.kubeconfig"));
      ApiClient childClient = ChildClients.fromKubeconfig(kubeconfig);
      Path caFile = Files.writeString(home.resolve("hub-ca.crt"), running.home().caCertificatePem());
      AgentOptions options = AgentOptions.parse("--cluster-reg-parent-url", "https://127.0.0.1:" + running.hub().port(),
          "--cluster-reg-token", running.home().bootstrapToken(), "--parent-ca-file", caFile.toString(),
          "--kubeconfig", kubeconfig.toString(), "--cluster-labels", "shop=berlin-01",
          "--cluster-status-update-frequency", "1s");
      try (Agent agent = new Agent(options, childClient, new Agent.Timing(Duration.ofMillis(200), Duration.ofMillis(200)),
          Deployers.forChild(childClient, kubeconfig, Files.createTempDirectory(home, "agent")))) {
        agent.start();
        Poll.until(WITHIN, () -> assertTrue(agent.credential().isPresent(), "registered"));
        String namespace = agent.credential().orElseThrow().namespace();

        assertEquals(201, hub.post("/api/v1/namespaces", admin,
            parse("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"shop\"}}")).code());
        assertEquals(201, hub.post("/apis/apps/v1/namespaces/shop/deployments", admin, parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"till","namespace":"shop"},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"till"}},
              "template":{"metadata":{"labels":{"app":"till"}},
               "spec":{"containers":[{"name":"till","image":"registry.example.com/till:1.0"}]}}}}
            """)).code());
        assertEquals(201, hub.post("/api/v1/namespaces/shop/services", admin, parse("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"till","namespace":"shop"},
             "spec":{"selector":{"app":"till"},"ports":[{"port":80}]}}
            """)).code());
        assertEquals(201, hub.post(APPS + "/namespaces/default/subscriptions", admin, parse("""
            {"apiVersion":"apps.clusternet.io/v1alpha1","kind":"Subscription",
             "metadata":{"name":"till","namespace":"default"},
             "spec":{"subscribers":[{"clusterAffinity":{"matchLabels":{"shop":"berlin-01"}}}],
              "feeds":[{"apiVersion":"v1","kind":"Namespace","name":"shop"},
                       {"apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"till"},
                       {"apiVersion":"v1","kind":"Service","namespace":"shop","name":"till"}]}}
            """)).code());

        AppsV1Api apps = new AppsV1Api(childClient);
        Poll.until(WITHIN, () -> assertEquals(2, apps.readNamespacedDeployment("till", "shop").execute()
            .getSpec().getReplicas()));
        assertEquals(80, new CoreV1Api(childClient).readNamespacedService("till", "shop").execute()
            .getSpec().getPorts().get(0).getPort());
        assertEquals(namespace + ".till-generic", apps.readNamespacedDeployment("till", "shop").execute()
            .getMetadata().getAnnotations().get("apps.clusternet.io/owned-by-description"));
        String descPath = APPS + "/namespaces/" + namespace + "/descriptions/till-generic";
        Poll.until(WITHIN, () -> assertEquals("Success", hub.get(descPath, admin).json().at("/status/phase").asText()));
        JsonNode description = hub.get(descPath, admin).json();
        assertEquals(description.at("/metadata/generation").asLong(), description.at("/status/observedGeneration").asLong());
        assertEquals(3, description.at("/status/manifestStatuses").size(), description.toString());

        Kubectl kubectl = Kubectl.require("PATH");
        Poll.until(WITHIN, () -> { // lists follow writes by about a second
          Kubectl.Result listed = kubectl.run(running.home().kubeconfig(), "get", "desc", "-A");
          assertEquals(0, listed.exitCode(), listed.err());
          assertTrue(listed.out().lines().anyMatch(line -> line.contains(namespace) && line.contains("till-generic")
              && line.contains("Generic") && line.contains("Success")), listed.out());
        });

        // a feed edit on the hub reaches the child; the hub's copy says Pending until the agent reports again
        assertEquals(200, hub.mergePatch("/apis/apps/v1/namespaces/shop/deployments/till", admin,
            Map.of("spec", Map.of("replicas", 4))).code());
        Poll.until(WITHIN, () -> assertEquals(4, apps.readNamespacedDeployment("till", "shop").execute()
            .getSpec().getReplicas()));
        Poll.until(WITHIN, () -> {
          JsonNode current = hub.get(descPath, admin).json();
          assertEquals("Success", current.at("/status/phase").asText());
          assertEquals(current.at("/metadata/generation").asLong(), current.at("/status/observedGeneration").asLong());
        });

        // deleting the Subscription deletes the Description, and the agent removes what it deployed
        hub.delete(APPS + "/namespaces/default/subscriptions/till", admin);
        Poll.until(WITHIN, () -> assertEquals(404, hub.get(descPath, admin).code()));
        Poll.until(WITHIN, () -> assertEquals(404, notFoundCode(() -> apps.readNamespacedDeployment("till", "shop")
            .execute())));
      }
    }
  }

  interface ChildRead {
    Object read() throws ApiException;
  }

  static int notFoundCode(ChildRead read) {
    try {
      read.read();
      return 200;
    } catch (ApiException e) {
      return e.getCode();
    }
  }
}
