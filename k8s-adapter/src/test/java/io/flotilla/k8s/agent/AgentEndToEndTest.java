package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.hub.Hub;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.TestHubs;
import io.flotilla.hub.security.HubHome;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Secret;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent in-process against a real hub (embedded Cassandra) and a sandbox child API server:
 * registration, status, restart, node changes, label aggregation and re-registration.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentEndToEndTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final Duration WITHIN = Duration.ofSeconds(45);
  static final String API = "/apis/clusters.clusternet.io/v1beta1";

  @TempDir
  static Path home;
  TestHubs.Running running;
  HubHome hubHome;
  Hub hub;
  HubClient client;
  Path caFile;
  final List<AutoCloseable> closeAfterTest = new ArrayList<>();

  @BeforeAll
  void startHub() throws Exception {
    running = TestHubs.start(cassandra, home);
    hubHome = running.home();
    hub = running.hub();
    client = running.client();
    caFile = Files.writeString(home.resolve("hub-ca.crt"), hubHome.caCertificatePem());
  }

  @AfterAll
  void stopHub() throws Exception {
    if (running != null) {
      running.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeAfterTest.size() - 1; i >= 0; i--) {
      closeAfterTest.get(i).close();
    }
    closeAfterTest.clear();
  }

  /** A fresh child cluster with 3 seeded nodes, and its kubeconfig. */
  record Child(SandboxApiServer server, Path kubeconfig, ApiClient client) {}

  Child child() throws Exception {
    SandboxApiServer server = SandboxApiServer.startSeeded(0, 3);
    closeAfterTest.add(server);
    Path kubeconfig = server.writeKubeconfig(Files.createTempDirectory(home, "child").resolve("kubeconfig"));
    return new Child(server, kubeconfig, ChildClients.fromKubeconfig(kubeconfig));
  }

  String[] args(Child child, String... more) {
    List<String> args = new ArrayList<>(List.of(
        "--cluster-reg-parent-url", "https://127.0.0.1:" + hub.port(),
        "--cluster-reg-token", hubHome.bootstrapToken(),
        "--parent-ca-file", caFile.toString(),
        "--kubeconfig", child.kubeconfig().toString(),
        "--cluster-status-collect-frequency", "200ms",
        "--cluster-status-update-frequency", "1s"));
    args.addAll(Arrays.asList(more));
    return args.toArray(String[]::new);
  }

  Agent agent(Child child, String... more) throws Exception {
    Agent agent = new Agent(AgentOptions.parse(args(child, more)), child.client(),
        new Agent.Timing(Duration.ofMillis(200), Duration.ofMillis(200)));
    closeAfterTest.add(agent);
    agent.start();
    return agent;
  }

  ParentCredential registered(Agent agent) throws Exception {
    Poll.until(WITHIN, () -> assertTrue(agent.credential().isPresent() && agent.reportsSent() > 0,
        "registered and reported"));
    return agent.credential().orElseThrow();
  }

  static String path(ParentCredential credential) {
    return API + "/namespaces/" + credential.namespace() + "/managedclusters/" + credential.clusterName();
  }

  JsonNode cluster(ParentCredential credential) {
    HubClient.Reply reply = client.get(path(credential), hubHome.adminToken());
    assertEquals(200, reply.code(), reply.body());
    return reply.json();
  }

  /** The hub's health monitor, seen from a real agent: 3 missed heartbeats (1 s each) and back. */
  @Test
  void aStoppedAgentTurnsTheClusterUnknownAndItsReturnClearsIt() throws Exception {
    Child child = child();
    Agent agent = agent(child);
    ParentCredential credential = registered(agent);
    agent.close();
    Poll.until(WITHIN, () -> {
      JsonNode cluster = cluster(credential);
      assertEquals("clusters.clusternet.io/unschedulable", cluster.at("/spec/taints/0/key").asText(), cluster.toString());
      assertEquals("Unknown", readyStatus(cluster), cluster.toString());
    });

    Agent back = agent(child);
    Poll.until(WITHIN, () -> {
      JsonNode cluster = cluster(credential);
      assertTrue(cluster.at("/spec/taints").isMissingNode(), cluster.toString());
      assertEquals("True", readyStatus(cluster), cluster.toString());
    });
    assertEquals(0, back.registrationPosts());
  }

  static String readyStatus(JsonNode cluster) {
    for (JsonNode condition : cluster.at("/status/conditions")) {
      if (condition.path("type").asText().equals("Ready")) {
        return condition.path("status").asText();
      }
    }
    return "";
  }

  @Test
  void registersAndReportsTheChildClusterStatus() throws Exception {
    Child child = child();
    long started = System.nanoTime();
    Agent agent = agent(child, "--cluster-reg-name", "edge-e2e", "--cluster-labels", "env=test");
    ParentCredential credential = registered(agent);
    Poll.until(WITHIN, () -> {
      JsonNode mcls = cluster(credential);
      assertEquals("v1.30.2-sandbox", mcls.at("/status/k8sVersion").asText(), mcls.toString());
      assertEquals(3, mcls.at("/status/nodeStatistics/readyNodes").asInt(), mcls.toString());
    });
    System.out.printf("registration to hub status: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

    JsonNode mcls = cluster(credential);
    assertEquals("edge-e2e", credential.clusterName());
    assertEquals(agent.clusterId().orElseThrow(), mcls.at("/spec/clusterId").asText());
    assertEquals("test", mcls.at("/metadata/labels/env").asText(), mcls.toString());
    JsonNode status = mcls.path("status");
    assertEquals(child.server().url().replaceAll("/$", ""), status.path("apiserverURL").asText().replaceAll("/$", ""));
    assertTrue(status.path("healthz").asBoolean() && status.path("livez").asBoolean()
        && status.path("readyz").asBoolean(), status.toString());
    assertEquals("12", status.at("/capacity/cpu").asText(), status.toString());
    assertEquals("48Gi", status.at("/capacity/memory").asText(), status.toString());
    assertEquals("330", status.at("/capacity/pods").asText(), status.toString());
    assertEquals(0, status.at("/nodeStatistics/notReadyNodes").asInt());
    assertTrue(status.at("/podStatistics/totalPods").asInt() > 0, status.toString());
    assertEquals(status.at("/podStatistics/totalPods").asInt(), status.at("/podStatistics/runningPods").asInt());
    assertEquals(1, status.path("heartbeatFrequencySeconds").asInt());
    assertEquals("Ready", status.at("/conditions/0/type").asText());
    assertEquals("True", status.at("/conditions/0/status").asText());
    assertTrue(status.path("lastObservedTime").asText().endsWith("Z"), "stamped by the hub");
    assertTrue(status.path("appPusher").isMissingNode() || !status.path("appPusher").asBoolean(), "Pull mode");
    assertEquals(1, agent.registrationPosts());

    // the request the agent made, as the hub keeps it
    HubClient.Reply crr = client.get(API + "/clusterregistrationrequests/clusternet-" + agent.clusterId().orElseThrow(),
        hubHome.adminToken());
    assertEquals(200, crr.code(), crr.body());
    assertEquals("clusternet-agent", crr.text("/metadata/labels/clusters.clusternet.io~1registered-by"));
    assertEquals("Approved", crr.text("/status/result"));

    // the credential is stored in the child cluster
    V1Secret secret = new CoreV1Api(child.client()).readNamespacedSecret("parent-cluster", "clusternet-system").execute();
    Map<String, byte[]> data = secret.getData();
    assertEquals("https://127.0.0.1:" + hub.port(), text(data, "apiserver-advertise-url"));
    assertEquals(credential.token(), text(data, "token"));
    assertEquals(credential.namespace(), text(data, "namespace"));
    assertEquals("edge-e2e", text(data, "cluster-name"));
    assertEquals(hubHome.caCertificatePem().strip(), text(data, "ca.crt").strip());
  }

  @Test
  void aRestartedAgentReusesTheStoredCredential() throws Exception {
    Child child = child();
    Agent first = agent(child);
    ParentCredential credential = registered(first);
    String clusterId = first.clusterId().orElseThrow();
    first.close();

    Agent second = agent(child);
    ParentCredential reused = registered(second);
    assertEquals(0, second.registrationPosts(), "no registration request after a restart");
    assertEquals(credential.token(), reused.token());
    assertEquals(credential.namespace(), reused.namespace());
    assertEquals(credential.clusterName(), reused.clusterName());
    assertEquals(clusterId, second.clusterId().orElseThrow(), "the Lease keeps the cluster ID");
    long before = second.reportsSent();
    Poll.until(WITHIN, () -> assertTrue(second.reportsSent() > before + 1, "keeps reporting"));
  }

  @Test
  void nodeChangesReachTheHub() throws Exception {
    Child child = child();
    Agent agent = agent(child);
    ParentCredential credential = registered(agent);
    CoreV1Api core = new CoreV1Api(child.client());

    V1Node added = new V1Node().apiVersion("v1").kind("Node")
        .metadata(new V1ObjectMeta().name("added-node").putLabelsItem("node.clusternet.io/region", "sandbox"))
        .status(new V1NodeStatus()
            .addConditionsItem(new V1NodeCondition().type("Ready").status("True").reason("KubeletReady"))
            .putCapacityItem("cpu", Quantity.fromString("3500m"))
            .putCapacityItem("memory", Quantity.fromString("1024Mi")));
    V1NodeStatus addedStatus = added.getStatus();
    core.createNode(added).execute();
    // as a kubelet does: register the node, then post its status
    V1Node created = core.readNode("added-node").execute();
    core.replaceNodeStatus("added-node", created.status(addedStatus)).execute();
    Poll.until(WITHIN, () -> {
      JsonNode status = cluster(credential).path("status");
      assertEquals(4, status.at("/nodeStatistics/readyNodes").asInt(), status.toString());
      assertEquals("15500m", status.at("/capacity/cpu").asText(), status.toString());
      assertEquals("49Gi", status.at("/capacity/memory").asText(), status.toString());
    });

    V1Node node = core.readNode("sandbox-node-0").execute();
    for (V1NodeCondition condition : node.getStatus().getConditions()) {
      if ("Ready".equals(condition.getType())) {
        condition.status("False").reason("KubeletNotReady").message("PLEG is not healthy");
      }
    }
    core.replaceNodeStatus("sandbox-node-0", node).execute();
    Poll.until(WITHIN, () -> {
      JsonNode stats = cluster(credential).at("/status/nodeStatistics");
      assertEquals(3, stats.path("readyNodes").asInt(), stats.toString());
      assertEquals(1, stats.path("notReadyNodes").asInt(), stats.toString());
    });
  }

  @Test
  void aggregatedNodeLabelsAppearOnTheManagedCluster() throws Exception {
    Child child = child();
    Agent agent = agent(child);
    ParentCredential credential = registered(agent);
    Poll.until(WITHIN, () -> {
      JsonNode labels = cluster(credential).at("/metadata/labels");
      assertEquals("sandbox", labels.path("node.clusternet.io/region").asText(), labels.toString());
      assertEquals("sandbox-a", labels.path("node.clusternet.io/zone").asText(), labels.toString());
    });

    // a label no longer shared by enough nodes is removed again
    CoreV1Api core = new CoreV1Api(child.client());
    for (String name : List.of("sandbox-node-0", "sandbox-node-1")) {
      V1Node node = core.readNode(name).execute();
      node.getMetadata().getLabels().put("node.clusternet.io/zone", "sandbox-b");
      core.replaceNode(name, node).execute();
    }
    Poll.until(WITHIN, () -> {
      JsonNode labels = cluster(credential).at("/metadata/labels");
      assertTrue(labels.path("node.clusternet.io/zone").isMissingNode(), labels.toString());
      assertEquals("sandbox", labels.path("node.clusternet.io/region").asText(), labels.toString());
    });
  }

  @Test
  void aClusterDeletedOnTheHubRegistersAgainByItself() throws Exception {
    Child child = child();
    Agent agent = agent(child);
    ParentCredential credential = registered(agent);
    HubClient.Reply deleted = client.delete(path(credential), hubHome.adminToken());
    assertEquals(200, deleted.code(), deleted.body());

    Poll.until(WITHIN, () -> {
      ParentCredential now = agent.credential().orElseThrow();
      assertNotEquals(credential.token(), now.token(), "a new token");
      JsonNode mcls = cluster(now);
      assertEquals("v1.30.2-sandbox", mcls.at("/status/k8sVersion").asText(), mcls.toString());
    });
    assertEquals(2, agent.registrationPosts());
    ParentCredential now = agent.credential().orElseThrow();
    assertEquals(401, client.get(path(now), credential.token()).code(), "the old token is dead");
    V1Secret secret = new CoreV1Api(child.client()).readNamespacedSecret("parent-cluster", "clusternet-system").execute();
    assertEquals(now.token(), text(secret.getData(), "token"), "the Secret holds the new token");
  }

  @Test
  void aFailedRegistrationEndsAgentMainWithExitCode1AndTheHubsMessage() throws Exception {
    Child owner = child();
    String namespace = "e2e-taken-" + Long.toHexString(System.nanoTime()).substring(0, 6);
    registered(agent(owner, "--cluster-reg-namespace", namespace));

    // a second cluster, the in-process sandbox of --sandbox, asks for the same namespace
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> AgentMain.run(new String[] {
        "--cluster-reg-parent-url", "https://127.0.0.1:" + hub.port(),
        "--cluster-reg-token", hubHome.bootstrapToken(),
        "--parent-ca-file", caFile.toString(),
        "--cluster-reg-namespace", namespace,
        "--sandbox"}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)));
    assertEquals(1, code.get(30, TimeUnit.SECONDS));
    String message = err.toString(StandardCharsets.UTF_8);
    assertTrue(message.contains("Failed") && message.contains(namespace), message);
    assertFalse(message.contains(hubHome.bootstrapToken()), "the token is never printed");
    String printed = out.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("sandbox child API server: http://127.0.0.1:"), printed);
    assertTrue(printed.contains("sandbox kubeconfig:"), printed);
  }

  static String text(Map<String, byte[]> data, String key) {
    byte[] value = data.get(key);
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }
}
