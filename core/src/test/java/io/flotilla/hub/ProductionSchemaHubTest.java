package io.flotilla.hub;

import static io.flotilla.hub.HubClient.registrationRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.hub.security.HubHome;
import io.flotilla.persistence.CassandraConfig;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import io.flotilla.persistence.testkit.ProductionSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub on an external Cassandra whose schema came from deploy/cql/schema.cql, with every
 * auto-create off (production mode): registration, status, the directory and stored objects all work, so the
 * shipped schema is the one the hub needs.
 */
class ProductionSchemaHubTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  @TempDir
  Path home;

  @Test
  void theHubRunsOnTheShippedSchemaWithAutoCreateOff() throws Exception {
    ProductionSchema.apply(cassandra.host(), cassandra.port(), cassandra.keyspace());
    HubHome hubHome = HubHome.open(home, 6443, List.of());
    var config = CassandraConfig.overrides(List.of(cassandra.contactPoint()), cassandra.keyspace(), false)
        .withFallback(TestHubs.config(cassandra));
    try (Hub hub = Hub.start(config, hubHome)) {
      HubClient client = new HubClient(hubHome.clientSslContext(), hub.port());
      String id = UUID.randomUUID().toString();
      HubClient.Reply reply = client.post("/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests",
          hubHome.bootstrapToken(), registrationRequest("clusternet-" + id, id));
      assertEquals(201, reply.code(), reply.body());
      JsonNode crr = reply.json();
      HubClient.Reply status = client.put(HubClient.managedClusterPath(crr) + "/status",
          crr.at("/status/token").asText(), HubClient.statusReport(crr, "v1.31.1"));
      assertEquals(200, status.code(), status.body());
      TestProbe.create(hub.system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
        HubClient.Reply list = client.get("/apis/clusters.clusternet.io/v1beta1/managedclusters", hubHome.adminToken());
        assertEquals("v1.31.1", list.json().at("/items/0/status/k8sVersion").asText(), list.body());
        return null;
      });
      // stored objects and their list index
      String configMaps = "/api/v1/namespaces/default/configmaps";
      HubClient.Reply created = client.post(configMaps, hubHome.adminToken(),
          "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"settings\"}}");
      assertEquals(201, created.code(), created.body());
      TestProbe.create(hub.system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
        HubClient.Reply list = client.get(configMaps, hubHome.adminToken());
        assertEquals("settings", list.json().at("/items/0/metadata/name").asText(), list.body());
        return null;
      });
    }
  }
}
