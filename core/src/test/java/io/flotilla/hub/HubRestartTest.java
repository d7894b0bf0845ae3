package io.flotilla.hub;

import static io.flotilla.hub.HubClient.registrationRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import akka.actor.testkit.typed.javadsl.TestProbe;
import io.flotilla.hub.security.HubHome;
import java.time.Duration;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A new ActorSystem on the same Cassandra keeps every cluster, its status and its credential. */
class HubRestartTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final String CRRS = "/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests";

  @TempDir
  Path home;

  /**
   * A silent cluster is marked Unknown after a restart although nothing asks for it: the
   * wake-up process starts its entity, whose timer then runs (the list is served from the
   * directory and wakes nobody). That the window starts afresh at recovery is shown in
   * ManagedClusterEntityTest with a manual clock.
   */
  @Test
  void aRestartedHubStillMarksSilentClustersUnknown() throws Exception {
    HubHome hubHome = HubHome.open(home, 6443, List.of());
    JsonNode crr;
    try (Hub hub = Hub.start(TestHubs.config(cassandra), hubHome)) {
      HubClient client = new HubClient(hubHome.clientSslContext(), hub.port());
      String id = UUID.randomUUID().toString();
      crr = client.post(CRRS, hubHome.bootstrapToken(), registrationRequest("clusternet-" + id, id)).json();
      HubClient.Reply status = client.put(HubClient.managedClusterPath(crr) + "/status",
          crr.at("/status/token").asText(), HubClient.statusReport(crr, "v1.30.0", 1));
      assertEquals(200, status.code(), status.body());
    }
    try (Hub hub = Hub.start(TestHubs.config(cassandra), hubHome)) {
      HubClient client = new HubClient(hubHome.clientSslContext(), hub.port());
      String namespaceList = "/apis/clusters.clusternet.io/v1beta1/namespaces/"
          + crr.at("/status/dedicatedNamespace").asText() + "/managedclusters";
      TestProbe<Void> probe = TestProbe.create(hub.system());
      probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
        JsonNode listed = client.get(namespaceList, hubHome.adminToken()).json().at("/items/0");
        assertEquals("clusters.clusternet.io/unschedulable", listed.at("/spec/taints/0/key").asText(), listed.toString());
        return null;
      });
    }
  }

  @Test
  void everyClusterAndCredentialSurvivesARestart() throws Exception {
    HubHome hubHome = HubHome.open(home, 6443, List.of());
    List<JsonNode> registered = new ArrayList<>();
    try (Hub hub = Hub.start(TestHubs.config(cassandra), hubHome)) {
      HubClient client = new HubClient(hubHome.clientSslContext(), hub.port());
      for (int i = 0; i < 10; i++) {
        String id = UUID.randomUUID().toString();
        HubClient.Reply reply = client.post(CRRS, hubHome.bootstrapToken(), registrationRequest("clusternet-" + id, id));
        assertEquals(201, reply.code(), reply.body());
        JsonNode crr = reply.json();
        String token = crr.at("/status/token").asText();
        HubClient.Reply status = client.put(HubClient.managedClusterPath(crr) + "/status", token,
            HubClient.statusReport(crr, "v1.29." + i));
        assertEquals(200, status.code(), status.body());
        registered.add(crr);
      }
    }

    HubHome reopened = HubHome.open(home, 6443, List.of());
    try (Hub hub = Hub.start(TestHubs.config(cassandra), reopened)) {
      HubClient client = new HubClient(reopened.clientSslContext(), hub.port());
      for (int i = 0; i < registered.size(); i++) {
        JsonNode crr = registered.get(i);
        String id = crr.at("/spec/clusterId").asText();
        HubClient.Reply cluster = client.get(HubClient.managedClusterPath(crr), reopened.adminToken());
        assertEquals(200, cluster.code(), cluster.body());
        assertEquals("v1.29." + i, cluster.text("/status/k8sVersion"));
        assertEquals(id, cluster.text("/spec/clusterId"));

        HubClient.Reply request = client.get(CRRS + "/clusternet-" + id, reopened.bootstrapToken());
        assertEquals(crr.at("/status/token").asText(), request.text("/status/token"));
        assertEquals(crr.at("/status/dedicatedNamespace").asText(), request.text("/status/dedicatedNamespace"));

        // the credential still authenticates after the restart
        HubClient.Reply status = client.put(HubClient.managedClusterPath(crr) + "/status", crr.at("/status/token").asText(),
            HubClient.statusReport(crr, "v1.30." + i));
        assertEquals(200, status.code(), status.body());
      }
    }
  }
}
