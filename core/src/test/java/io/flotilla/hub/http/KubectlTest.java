package io.flotilla.hub.http;

import static io.flotilla.hub.HubClient.managedClusterPath;
import static io.flotilla.hub.HubClient.registrationRequest;
import static io.flotilla.hub.HubClient.statusReport;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.hub.Kubectl;
import io.flotilla.hub.TestHubs;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The real kubectl (the one on PATH, and 1.27) with the hub's admin.kubeconfig, no flags to relax anything. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  @TempDir
  static Path home;
  TestHubs.Running hub;
  JsonNode crr;

  @BeforeAll
  void start() throws Exception {
    hub = TestHubs.start(cassandra, home);
    String id = UUID.randomUUID().toString();
    ObjectNode request = registrationRequest("clusternet-" + id, id);
    ((ObjectNode) request.get("spec")).put("clusterName", "store-7");
    crr = hub.client().post("/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests",
        hub.home().bootstrapToken(), request).json();
    assertEquals(200, hub.client().put(managedClusterPath(crr) + "/status", crr.at("/status/token").asText(),
        statusReport(crr, "v1.30.2")).code());
    TestProbe.create(hub.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
      assertEquals("v1.30.2", hub.client().get("/apis/clusters.clusternet.io/v1beta1/managedclusters",
          hub.home().adminToken()).json().at("/items/0/status/k8sVersion").asText());
      return null;
    });
  }

  @AfterAll
  void stop() throws Exception {
    hub.close();
  }

  @ParameterizedTest
  @MethodSource("io.flotilla.hub.Kubectl#underTest")
  void getManagedClustersAcrossNamespacesWide(String which) throws Exception {
    Kubectl.Result result = Kubectl.require(which).run(hub.home().kubeconfig(), "get", "mcls", "-A", "-o", "wide");
    assertEquals(0, result.exitCode(), result.err());
    List<String> lines = result.out().lines().toList();
    assertTrue(lines.get(0).matches("NAMESPACE\\s+NAME\\s+CLUSTER ID\\s+CLUSTER TYPE\\s+SYNC MODE\\s+KUBERNETES\\s+READYZ\\s+AGE\\s*"),
        result.out());
    String row = lines.stream().filter(l -> l.contains("store-7")).findFirst().orElseThrow(() -> new AssertionError(result.out()));
    assertTrue(row.matches(crr.at("/status/dedicatedNamespace").asText() + "\\s+store-7\\s+"
        + crr.at("/spec/clusterId").asText() + "\\s+EdgeCluster\\s+Pull\\s+v1.30.2\\s+true\\s+\\d+[smhd].*"), row);
  }

  @ParameterizedTest
  @MethodSource("io.flotilla.hub.Kubectl#underTest")
  void getRegistrationRequestsWithoutTheirCredentials(String which) throws Exception {
    Kubectl kubectl = Kubectl.require(which);
    Kubectl.Result table = kubectl.run(hub.home().kubeconfig(), "get", "clsrr");
    assertEquals(0, table.exitCode(), table.err());
    List<String> lines = table.out().lines().toList();
    assertTrue(lines.get(0).matches("NAME\\s+CLUSTER ID\\s+STATUS\\s+AGE\\s*"), table.out());
    String id = crr.at("/spec/clusterId").asText();
    assertTrue(lines.stream().anyMatch(l -> l.matches("clusternet-" + id + "\\s+" + id + "\\s+Approved\\s+\\d+[smhd].*")),
        table.out());

    Kubectl.Result json = kubectl.run(hub.home().kubeconfig(), "get", "clsrr", "-o", "json");
    assertEquals(0, json.exitCode(), json.err());
    assertTrue(json.out().contains(crr.at("/status/dedicatedNamespace").asText()), json.out());
    assertTrue(!json.out().contains(crr.at("/status/token").asText()) && !json.out().contains("caCertificate"),
        "a list never carries credentials: " + json.out());
    assertEquals(403, hub.client().get("/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests",
        hub.home().viewerToken()).code());
    assertEquals(403, hub.client().get("/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests",
        hub.home().bootstrapToken()).code());
  }

  @ParameterizedTest
  @MethodSource("io.flotilla.hub.Kubectl#underTest")
  void getOneAsJsonByShortName(String which) throws Exception {
    Kubectl.Result result = Kubectl.require(which).run(hub.home().kubeconfig(), "get", "mcls", "store-7",
        "-n", crr.at("/status/dedicatedNamespace").asText(), "-o", "json");
    assertEquals(0, result.exitCode(), result.err());
    JsonNode cluster = Json.MAPPER.readTree(result.out());
    assertEquals(crr.at("/spec/clusterId").asText(), cluster.at("/spec/clusterId").asText());
    assertEquals("v1.30.2", cluster.at("/status/k8sVersion").asText());
  }

  @ParameterizedTest
  @MethodSource("io.flotilla.hub.Kubectl#underTest")
  void labelAManagedCluster(String which) throws Exception {
    String namespace = crr.at("/status/dedicatedNamespace").asText();
    String value = which.equals("PATH") ? "edge" : "core";
    Kubectl.Result result = Kubectl.require(which).run(hub.home().kubeconfig(), "label", "mcls", "store-7", "-n", namespace,
        "tier=" + value, "--overwrite");
    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().contains("labeled"), result.out());
    JsonNode cluster = hub.client().get(managedClusterPath(crr), hub.home().adminToken()).json();
    assertEquals(value, cluster.at("/metadata/labels/tier").asText(), cluster.toString());

    Kubectl.Result protectedLabel = Kubectl.require(which).run(hub.home().kubeconfig(), "label", "mcls", "store-7", "-n",
        namespace, "clusters.clusternet.io/cluster-id=stolen", "--overwrite");
    assertTrue(protectedLabel.exitCode() != 0, protectedLabel.out());
    assertTrue(protectedLabel.err().contains("is set by the hub"), protectedLabel.err());
  }

  @ParameterizedTest
  @MethodSource("io.flotilla.hub.Kubectl#underTest")
  void unknownKindsAndMissingObjectsAreClearErrors(String which) throws Exception {
    Kubectl.Result missing = Kubectl.require(which).run(hub.home().kubeconfig(), "get", "mcls", "nope", "-n", "nowhere");
    assertTrue(missing.exitCode() != 0);
    assertTrue(missing.err().contains("NotFound") || missing.err().contains("not found"), missing.err());
  }
}
