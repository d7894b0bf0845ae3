package io.flotilla.hub.http;

import static io.flotilla.hub.HubClient.managedClusterPath;
import static io.flotilla.hub.HubClient.registrationRequest;
import static io.flotilla.hub.HubClient.statusReport;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.HubExtension;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Registration and status over the real HTTPS API, on the real (embedded) Cassandra. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistrationApiTest {
  @RegisterExtension
  @Order(1)
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  @RegisterExtension
  @Order(2)
  static final HubExtension running = new HubExtension(cassandra);

  static final String CRRS = "/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests";
  static final String MCLS = "/apis/clusters.clusternet.io/v1beta1/managedclusters";


  String admin() {
    return running.home().adminToken();
  }

  String bootstrap() {
    return running.home().bootstrapToken();
  }

  HubClient.Reply register(String clusterId, ObjectNode body) {
    return running.client().post(CRRS, bootstrap(), body);
  }

  JsonNode registerApproved(String clusterId) {
    HubClient.Reply reply = register(clusterId, registrationRequest("clusternet-" + clusterId, clusterId));
    assertEquals(201, reply.code(), reply.body());
    assertEquals("Approved", reply.text("/status/result"), reply.body());
    return reply.json();
  }

  @Test
  void approvesARegistrationWithNamespaceTokenCaAndLabeledManagedCluster() {
    String id = UUID.randomUUID().toString();
    ObjectNode body = registrationRequest("clusternet-" + id, id);
    ((ObjectNode) body.get("spec")).put("clusterName", "shop-0042");
    ((ObjectNode) body.get("spec")).putObject("clusterLabels").put("region", "eu-west").put("tier", "edge");
    HubClient.Reply reply = register(id, body);

    assertEquals(201, reply.code(), reply.body());
    JsonNode crr = reply.json();
    assertEquals("Approved", crr.at("/status/result").asText());
    assertTrue(crr.at("/status/dedicatedNamespace").asText().matches("clusternet-[a-z0-9]{5}"), reply.body());
    assertEquals("shop-0042", crr.at("/status/managedClusterName").asText());
    assertTrue(crr.at("/status/token").asText().startsWith(id + "."));
    assertEquals(running.home().caCertificatePem(),
        new String(Base64.getDecoder().decode(crr.at("/status/caCertificate").asText())));
    assertEquals(id, crr.at("/metadata/labels/clusters.clusternet.io~1cluster-id").asText());

    HubClient.Reply read = running.client().get(CRRS + "/clusternet-" + id, bootstrap());
    assertEquals(200, read.code(), read.body());
    assertEquals(crr.at("/status/token").asText(), read.text("/status/token"));

    HubClient.Reply mcls = running.client().get(managedClusterPath(crr), admin());
    assertEquals(200, mcls.code(), mcls.body());
    JsonNode cluster = mcls.json();
    assertEquals("ManagedCluster", cluster.path("kind").asText());
    assertEquals(id, cluster.at("/spec/clusterId").asText());
    assertEquals("EdgeCluster", cluster.at("/spec/clusterType").asText());
    assertEquals("Pull", cluster.at("/spec/syncMode").asText());
    JsonNode labels = cluster.at("/metadata/labels");
    assertEquals("eu-west", labels.path("region").asText());
    assertEquals(id, labels.path("clusters.clusternet.io/cluster-id").asText());
    assertEquals("shop-0042", labels.path("clusters.clusternet.io/cluster-name").asText());
    assertEquals("clusternet-agent", labels.path("clusters.clusternet.io/registered-by").asText());
    assertTrue(UUID.fromString(cluster.at("/metadata/uid").asText()) != null);
    assertTrue(cluster.at("/metadata/creationTimestamp").asText().endsWith("Z"));
    assertTrue(!cluster.at("/metadata/resourceVersion").asText().isEmpty());
  }

  @Test
  void deniesARequestNotNamedAfterItsClusterIdAndStoresNothing() {
    String id = UUID.randomUUID().toString();
    HubClient.Reply reply = register(id, registrationRequest("some-other-name", id));
    assertEquals(201, reply.code(), reply.body());
    assertEquals("Denied", reply.text("/status/result"));
    assertTrue(reply.text("/status/errorMessage").contains("clusternet-" + id));
    assertTrue(reply.text("/status/token").isEmpty());
    assertEquals(404, running.client().get(CRRS + "/clusternet-" + id, bootstrap()).code());
  }

  @Test
  void reRegistrationOfTheSameClusterIsIdempotent() {
    String id = UUID.randomUUID().toString();
    JsonNode first = registerApproved(id);
    JsonNode second = registerApproved(id);
    assertEquals(first.at("/status/dedicatedNamespace"), second.at("/status/dedicatedNamespace"));
    assertEquals(first.at("/status/managedClusterName"), second.at("/status/managedClusterName"));
    assertEquals(first.at("/status/token"), second.at("/status/token"));
    assertEquals(first.at("/metadata/uid"), second.at("/metadata/uid"));
  }

  @Test
  void honoursARequestedNamespaceAndRefusesOneDedicatedToAnotherCluster() {
    String a = UUID.randomUUID().toString();
    String b = UUID.randomUUID().toString();
    String namespace = "factory-" + a.substring(0, 8);
    ObjectNode bodyA = registrationRequest("clusternet-" + a, a);
    ((ObjectNode) bodyA.get("spec")).put("clusterNamespace", namespace);
    HubClient.Reply replyA = register(a, bodyA);
    assertEquals(namespace, replyA.text("/status/dedicatedNamespace"), replyA.body());

    ObjectNode bodyB = registrationRequest("clusternet-" + b, b);
    ((ObjectNode) bodyB.get("spec")).put("clusterNamespace", namespace);
    HubClient.Reply replyB = register(b, bodyB);
    assertEquals("Failed", replyB.text("/status/result"), replyB.body());
    assertTrue(replyB.text("/status/errorMessage").contains(a));
    assertEquals(404, running.client().get(CRRS + "/clusternet-" + b, bootstrap()).code());
  }

  @Test
  void fiftyConcurrentRegistrationsAreAllApprovedWithDistinctNamespacesAndListed() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try {
      List<CompletableFuture<JsonNode>> all = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String id = UUID.randomUUID().toString();
        all.add(CompletableFuture.supplyAsync(() -> registerApproved(id), pool));
      }
      Set<String> namespaces = new HashSet<>();
      Set<String> ids = new HashSet<>();
      for (CompletableFuture<JsonNode> future : all) {
        JsonNode crr = future.get();
        namespaces.add(crr.at("/status/dedicatedNamespace").asText());
        ids.add(crr.at("/spec/clusterId").asText());
      }
      assertEquals(50, namespaces.size());

      // the directory read model catches up with every one of them
      TestProbe<Void> probe = TestProbe.create(running.hub().system());
      probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
        HubClient.Reply list = running.client().get(MCLS, admin());
        assertEquals(200, list.code(), list.body());
        assertEquals("ManagedClusterList", list.text("/kind"));
        Set<String> listed = new HashSet<>();
        list.json().path("items").forEach(item -> listed.add(item.at("/spec/clusterId").asText()));
        assertTrue(listed.containsAll(ids), "listed " + listed.size() + " of the 50");
        return null;
      });
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void statusIsVisibleAfterUpdateAndUnchangedHeartbeatsAppendNoEvent() {
    String id = UUID.randomUUID().toString();
    JsonNode crr = registerApproved(id);
    String token = crr.at("/status/token").asText();
    String path = managedClusterPath(crr);

    HubClient.Reply first = running.client().put(path + "/status", token, statusReport(crr, "v1.30.2"));
    assertEquals(200, first.code(), first.body());
    HubClient.Reply read = running.client().get(path, admin());
    assertEquals("v1.30.2", read.text("/status/k8sVersion"));
    assertEquals("3", read.text("/status/nodeStatistics/readyNodes"));
    assertEquals("48Gi", read.text("/status/capacity/memory"));
    assertTrue(read.text("/status/lastObservedTime").endsWith("Z"));
    String revision = read.text("/metadata/resourceVersion");

    // the same report again: the journal is not written, so the revision stays
    HubClient.Reply heartbeat = running.client().put(path + "/status", token, statusReport(crr, "v1.30.2"));
    assertEquals(200, heartbeat.code(), heartbeat.body());
    assertEquals(revision, running.client().get(path, admin()).text("/metadata/resourceVersion"));

    // a real change is persisted
    running.client().put(path + "/status", token, statusReport(crr, "v1.31.0"));
    HubClient.Reply changed = running.client().get(path, admin());
    assertEquals("v1.31.0", changed.text("/status/k8sVersion"));
    assertNotEquals(revision, changed.text("/metadata/resourceVersion"));

    // a stale resourceVersion conflicts
    ObjectNode stale = statusReport(crr, "v1.32.0");
    ((ObjectNode) stale.get("metadata")).put("resourceVersion", revision);
    assertEquals(409, running.client().put(path + "/status", token, stale).code());

    // the list shows the status once the projection has it
    TestProbe<Void> probe = TestProbe.create(running.hub().system());
    probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
      HubClient.Reply list = running.client().get("/apis/clusters.clusternet.io/v1beta1/namespaces/"
          + crr.at("/status/dedicatedNamespace").asText() + "/managedclusters", admin());
      assertEquals("v1.31.0", list.json().at("/items/0/status/k8sVersion").asText(), list.body());
      return null;
    });
  }

  @Test
  void aClusterTokenReachesOnlyItsOwnCluster() {
    JsonNode a = registerApproved(UUID.randomUUID().toString());
    JsonNode b = registerApproved(UUID.randomUUID().toString());
    String tokenA = a.at("/status/token").asText();

    HubClient.Reply crossUpdate = running.client().put(managedClusterPath(b) + "/status", tokenA, statusReport(b, "v1.30.0"));
    assertEquals(403, crossUpdate.code(), crossUpdate.body());
    assertEquals("Status", crossUpdate.text("/kind"));
    assertTrue(running.client().get(managedClusterPath(b), admin()).json().at("/status/k8sVersion").isMissingNode());
    // a status report's token is checked in the same ask as the update: a forged one is 401, even with a bad body
    String forged = a.at("/spec/clusterId").asText() + ".forged";
    assertEquals(401, running.client().put(managedClusterPath(a) + "/status", forged, statusReport(a, "v1.30.0")).code());
    assertEquals(401, running.client().put(managedClusterPath(a) + "/status", forged, "{\"kind\":\"Pod\"}").code());
    assertEquals(400, running.client().put(managedClusterPath(a) + "/status", tokenA, "{\"kind\":\"Pod\"}").code());
    assertTrue(running.client().get(managedClusterPath(a), admin()).json().at("/status/k8sVersion").isMissingNode());
    assertEquals(403, running.client().get(managedClusterPath(b), tokenA).code());
    assertEquals(403, running.client().get(CRRS + "/clusternet-" + b.at("/spec/clusterId").asText(), tokenA).code());
    assertEquals(403, running.client().post(CRRS, tokenA, registrationRequest("clusternet-" + UUID.randomUUID(),
        UUID.randomUUID().toString())).code());
    assertEquals(403, running.client().delete(managedClusterPath(b), tokenA).code());

    HubClient.Reply ownList = running.client().get(MCLS, tokenA);
    assertEquals(200, ownList.code(), ownList.body());
    assertEquals(1, ownList.json().path("items").size());
    assertEquals(a.at("/spec/clusterId").asText(), ownList.text("/items/0/spec/clusterId"));
    assertEquals(200, running.client().get(managedClusterPath(a), tokenA).code());

    // status is the cluster's own business: not even the admin reports it, and bootstrap cannot list
    assertEquals(403, running.client().put(managedClusterPath(a) + "/status", admin(), statusReport(a, "v1.30.0")).code());
    assertEquals(403, running.client().get(MCLS, bootstrap()).code());
  }

  @Test
  void deregistrationRevokesTheCredential() {
    JsonNode crr = registerApproved(UUID.randomUUID().toString());
    String token = crr.at("/status/token").asText();
    assertEquals(200, running.client().put(managedClusterPath(crr) + "/status", token, statusReport(crr, "v1.30.0")).code());

    HubClient.Reply deleted = running.client().delete(managedClusterPath(crr), admin());
    assertEquals(200, deleted.code(), deleted.body());
    assertEquals(401, running.client().put(managedClusterPath(crr) + "/status", token, statusReport(crr, "v1.30.0")).code());
    assertEquals(404, running.client().get(managedClusterPath(crr), admin()).code());
    assertEquals(404, running.client().delete(managedClusterPath(crr), admin()).code());
  }

  @Test
  void labelsArePatchedByTheClusterOrTheAdminButNotTheHubsOwn() {
    JsonNode crr = registerApproved(UUID.randomUUID().toString());
    String token = crr.at("/status/token").asText();
    String path = managedClusterPath(crr);

    HubClient.Reply patched = running.client().mergePatch(path, token,
        "{\"metadata\":{\"labels\":{\"node.clusternet.io/region\":\"sandbox\",\"tier\":\"edge\"}}}");
    assertEquals(200, patched.code(), patched.body());
    assertEquals("sandbox", patched.json().at("/metadata/labels").path("node.clusternet.io/region").asText());

    HubClient.Reply removed = running.client().mergePatch(path, admin(), "{\"metadata\":{\"labels\":{\"tier\":null}}}");
    assertEquals(200, removed.code(), removed.body());
    assertTrue(removed.json().at("/metadata/labels").path("tier").isMissingNode(), removed.body());

    HubClient.Reply hubs = running.client().mergePatch(path, token,
        "{\"metadata\":{\"labels\":{\"clusters.clusternet.io/cluster-id\":\"mine\"}}}");
    assertEquals(422, hubs.code(), hubs.body());
    assertEquals(422, running.client().mergePatch(path, token, "{\"spec\":{\"syncMode\":\"Push\"}}").code());
    assertEquals(403, running.client().mergePatch(path, bootstrap(), "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}").code());
    assertEquals(415, running.client().send(running.client().request(path, token).header("Content-Type", "application/json")
        .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{}"))).code());

    TestProbe<Void> probe = TestProbe.create(running.hub().system());
    probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
      HubClient.Reply list = running.client().get("/apis/clusters.clusternet.io/v1beta1/namespaces/"
          + crr.at("/status/dedicatedNamespace").asText() + "/managedclusters", admin());
      JsonNode labels = list.json().at("/items/0/metadata/labels");
      assertEquals("sandbox", labels.path("node.clusternet.io/region").asText(), list.body());
      assertTrue(labels.path("tier").isMissingNode(), list.body());
      return null;
    });
  }

  @Test
  void silenceTurnsReadyUnknownWithTheTaintAndAReportClearsBoth() {
    JsonNode crr = registerApproved(UUID.randomUUID().toString());
    String token = crr.at("/status/token").asText();
    String path = managedClusterPath(crr);
    assertEquals(200, running.client().put(path + "/status", token, statusReport(crr, "v1.30.0", 1)).code());

    TestProbe<Void> probe = TestProbe.create(running.hub().system());
    probe.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(250), () -> {
      JsonNode cluster = running.client().get(path, admin()).json();
      assertEquals("clusters.clusternet.io/unschedulable", cluster.at("/spec/taints/0/key").asText(), cluster.toString());
      assertEquals("NoSchedule", cluster.at("/spec/taints/0/effect").asText());
      JsonNode ready = readyCondition(cluster);
      assertEquals("Unknown", ready.path("status").asText());
      assertEquals("ClusterStatusUnknown", ready.path("reason").asText());
      return null;
    });
    // the directory shows it too
    probe.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(250), () -> {
      JsonNode listed = running.client().get("/apis/clusters.clusternet.io/v1beta1/namespaces/"
          + crr.at("/status/dedicatedNamespace").asText() + "/managedclusters", admin()).json().at("/items/0");
      assertEquals("Unknown", readyCondition(listed).path("status").asText(), listed.toString());
      return null;
    });

    ObjectNode back = statusReport(crr, "v1.30.0", 60);
    HubClient.Reply reported = running.client().put(path + "/status", token, back);
    assertEquals(200, reported.code(), reported.body());
    JsonNode cluster = running.client().get(path, admin()).json();
    assertTrue(cluster.at("/spec/taints").isMissingNode(), cluster.toString());
    assertTrue(readyCondition(cluster).isMissingNode(), cluster.toString());
  }

  static JsonNode readyCondition(JsonNode cluster) {
    for (JsonNode condition : cluster.at("/status/conditions")) {
      if (condition.path("type").asText().equals("Ready")) {
        return condition;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  @Test
  void healthVersionAndDiscovery() {
    assertEquals("ok", running.client().get("/healthz", null).body());
    assertEquals("ok", running.client().get("/livez", null).body());
    TestProbe<Void> probe = TestProbe.create(running.hub().system());
    probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
      assertEquals(200, running.client().get("/readyz", null).code());
      return null;
    });
    HubClient.Reply version = running.client().get("/version", null);
    assertEquals("1", version.text("/major"));
    assertTrue(version.text("/gitVersion").startsWith("v1."));

    HubClient.Reply groups = running.client().get("/apis", null);
    assertEquals("APIGroupList", groups.text("/kind"));
    assertEquals("clusters.clusternet.io", groups.text("/groups/0/name"));
    HubClient.Reply resources = running.client().get("/apis/clusters.clusternet.io/v1beta1", null);
    List<String> shortNames = new ArrayList<>();
    resources.json().path("resources").forEach(r ->
        r.path("shortNames").forEach(s -> shortNames.add(s.asText())));
    assertTrue(shortNames.containsAll(List.of("mcls", "clsrr")), resources.body());
    assertTrue(StreamSupport.stream(resources.json().path("resources").spliterator(), false)
        .anyMatch(r -> r.path("name").asText().equals("managedclusters/status")));
  }
}
