package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.flotilla.api.Json;
import io.flotilla.hub.Hub;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.TestHubs;
import io.flotilla.hub.security.HubHome;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A two-node hub (two actor systems in one Akka cluster on one keyspace, each with its own HTTPS
 * port): the agent's tunnel is held by node 1, the proxy requests land on node 2 and cross over
 * by the entity's connection ref and StreamRefs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoNodeTunnelTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final Duration WITHIN = Duration.ofSeconds(60);

  @TempDir
  static Path home;
  Hub node1;
  Hub node2;
  HubHome hubHome;
  SandboxApiServer child;
  Agent agent;

  @BeforeAll
  void start() throws Exception {
    hubHome = HubHome.open(home, 6443, List.of()); // the kubeconfig's port is unused here: both nodes bind port 0
    node1 = Hub.start(config(List.of()), hubHome);
    String seed = Cluster.get(node1.system()).selfMember().address().toString();
    node2 = Hub.start(config(List.of(seed)), hubHome);
    Poll.until(WITHIN, () -> assertEquals(MemberStatus.up(), Cluster.get(node2.system()).selfMember().status()));

    child = SandboxApiServer.startSeeded(0, 3);
    Path kubeconfig = child.writeKubeconfig(home.resolve("child.kubeconfig"));
    Path caFile = Files.writeString(home.resolve("hub-ca.crt"), hubHome.caCertificatePem());
    agent = new Agent(AgentOptions.parse(
        "--cluster-reg-parent-url", "https://127.0.0.1:" + node1.port(),
        "--cluster-reg-token", hubHome.bootstrapToken(),
        "--parent-ca-file", caFile.toString(),
        "--kubeconfig", kubeconfig.toString(),
        "--cluster-status-update-frequency", "1s"), ChildClients.fromKubeconfig(kubeconfig),
        new Agent.Timing(Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofMillis(200)));
    agent.start();
    Poll.until(WITHIN, () -> assertTrue(agent.tunnel().map(t -> t.connected()).orElse(false), "tunnel up"));
  }

  @AfterAll
  void stop() throws Exception {
    agent.close();
    child.close();
    node2.close();
    node1.close();
  }

  /** Re-registration every second: an entity that moves to the joining node learns its tunnel back fast. */
  com.typesafe.config.Config config(List<String> seeds) {
    return ConfigFactory.parseMap(Map.of(
            "akka.cluster.seed-nodes", seeds,
            "flotilla.hub.tunnel.register-interval", "1s",
            "akka.cluster.jmx.multi-mbeans-in-same-jvm", "on"))
        .withFallback(TestHubs.config(cassandra));
  }

  String proxy(String path) {
    return "/apis/proxies.clusternet.io/v1alpha1/sockets/" + agent.clusterId().orElseThrow() + "/proxy/direct" + path;
  }

  @Test
  void aRequestOnTheNodeWithoutTheTunnelCrossesOver() throws Exception {
    HubClient viaNode2 = new HubClient(hubHome.clientSslContext(), node2.port());
    Poll.until(WITHIN, () -> {
      HubClient.Reply nodes = viaNode2.get(proxy("/api/v1/nodes"), hubHome.adminToken());
      assertEquals(200, nodes.code(), nodes.body());
      assertEquals(3, nodes.json().path("items").size(), nodes.body());
    });

    // a 2 MiB body both ways
    String blob = "x".repeat(2 * 1024 * 1024);
    HubClient.Reply created = viaNode2.post(proxy("/api/v1/namespaces/default/configmaps"), hubHome.adminToken(),
        Map.of("apiVersion", "v1", "kind", "ConfigMap", "metadata", Map.of("name", "big"), "data", Map.of("k", blob)));
    assertEquals(201, created.code(), created.body().length() > 500 ? created.body().substring(0, 500) : created.body());
    HubClient.Reply read = viaNode2.get(proxy("/api/v1/namespaces/default/configmaps/big"), hubHome.adminToken());
    assertEquals(blob, read.json().at("/data/k").asText());

    // a watch opened on node 2 streams an event that happens after it started
    HttpClient http = HttpClient.newBuilder().sslContext(hubHome.clientSslContext()).build();
    HttpResponse<InputStream> watch = http.send(HttpRequest.newBuilder(
            java.net.URI.create("https://127.0.0.1:" + node2.port() + proxy("/api/v1/namespaces/default/pods?watch=true")))
        .header("Authorization", "Bearer " + hubHome.adminToken()).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, watch.statusCode());
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(watch.body(), StandardCharsets.UTF_8))) {
      CompletableFuture<String> added = CompletableFuture.supplyAsync(() -> {
        try {
          for (String line; (line = lines.readLine()) != null; ) {
            if (line.contains("late-pod")) {
              return line;
            }
          }
          return null;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      HubClient.Reply pod = viaNode2.post(proxy("/api/v1/namespaces/default/pods"), hubHome.adminToken(),
          Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", "late-pod"),
              "spec", Map.of("containers", List.of(Map.of("name", "c", "image", "busybox")))));
      assertEquals(201, pod.code(), pod.body());
      JsonNode event = Json.parse(added.get(WITHIN.toSeconds(), TimeUnit.SECONDS).getBytes(StandardCharsets.UTF_8));
      assertEquals("ADDED", event.path("type").asText());
    }
  }
}
