package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.HubExtension;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A cluster's history, served from its journal: typed entries, no unchanged heartbeats, no credentials, filters, paging. */
class ClusterHistoryTest {
  @RegisterExtension
  @Order(1)
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();
  @RegisterExtension
  @Order(2)
  static final HubExtension hub = new HubExtension(cassandra);

  static List<String> types(JsonNode history) {
    List<String> types = new ArrayList<>();
    history.path("items").forEach(entry -> types.add(entry.path("type").asText()));
    return types;
  }

  @Test
  void registrationLabelsVersionUpgradeAndAnUnknownSpellInOrder() {
    HubClient client = hub.client();
    String admin = hub.home().adminToken();
    HubClient.Reply registered = client.register(hub.home().bootstrapToken(), Map.of("shop", "berlin-01"));
    assertEquals(201, registered.code(), registered.body());
    JsonNode crr = registered.json();
    String token = crr.at("/status/token").asText();
    String cluster = HubClient.managedClusterPath(crr);

    assertEquals(200, client.put(cluster + "/status", token, HubClient.statusReport(crr, "v1.29.4")).code());
    assertEquals(200, client.mergePatch(cluster, admin, Map.of("metadata", Map.of("labels", Map.of("shop", "berlin-02"))))
        .code());
    assertEquals(200, client.put(cluster + "/status", token, HubClient.statusReport(crr, "v1.30.1")).code());
    assertEquals(200, client.put(cluster + "/status", token, HubClient.statusReport(crr, "v1.30.1")).code());
    // a 1 s heartbeat that stops: Unknown after 3 s; then a report brings it back
    assertEquals(200, client.put(cluster + "/status", token, HubClient.statusReport(crr, "v1.30.1", 1)).code());
    TestProbe.create(hub.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
      assertEquals(1, client.get(cluster, admin).json().at("/spec/taints").size());
      return null;
    });
    assertEquals(200, client.put(cluster + "/status", token, HubClient.statusReport(crr, "v1.30.1")).code());

    HubClient.Reply history = client.get(cluster + "/history", admin);
    assertEquals(200, history.code(), history.body());
    assertEquals(List.of("Registered", "FirstStatus", "LabelsChanged", "StatusChanged", "HealthUnknown",
        "HealthRecovered"), types(history.json()), history.body());
    JsonNode upgrade = history.json().at("/items/3/changes/k8sVersion");
    assertEquals("v1.29.4", upgrade.path("from").asText());
    assertEquals("v1.30.1", upgrade.path("to").asText());
    assertEquals("berlin-02", history.json().at("/items/2/labels/shop").asText());
    assertFalse(history.body().contains(token.substring(token.indexOf('.') + 1)), "the token leaked");
    assertFalse(history.body().contains("encryptedToken") || history.body().contains("tokenSha256"));

    // filters and paging
    assertEquals(List.of("LabelsChanged"), types(client.get(cluster + "/history?type=LabelsChanged", admin).json()));
    JsonNode first = client.get(cluster + "/history?limit=4", admin).json();
    assertEquals(4, first.path("items").size());
    JsonNode rest = client.get(cluster + "/history?limit=4&continue=" + first.at("/metadata/continue").asText(),
        admin).json();
    assertEquals(List.of("HealthUnknown", "HealthRecovered"), types(rest));
    String registeredAt = history.json().at("/items/0/time").asText();
    assertEquals(0, client.get(cluster + "/history?until=" + registeredAt, admin).json().path("items").size());
    assertEquals(400, client.get(cluster + "/history?since=yesterday", admin).code());
    // the cluster as it was: after the labels changed, before the upgrade; and before it existed
    JsonNode then = client.get(cluster + "?at=" + history.json().at("/items/2/time").asText(), admin).json();
    assertEquals("berlin-02", then.at("/metadata/labels/shop").asText(), then.toString());
    assertEquals("v1.29.4", then.at("/status/k8sVersion").asText(), then.toString());
    JsonNode unknown = client.get(cluster + "?at=" + history.json().at("/items/4/time").asText(), admin).json();
    assertEquals("Unknown", unknown.at("/status/conditions/0/status").asText(), unknown.toString());
    assertEquals(1, unknown.at("/spec/taints").size());
    assertEquals(404, client.get(cluster + "?at=2020-01-01T00:00:00Z", admin).code());
    assertEquals(400, client.get(cluster + "?at=last-tuesday", admin).code());
    // a cluster's own token reads its own history; the bootstrap token does not
    assertEquals(200, client.get(cluster + "/history", token).code());
    assertEquals(403, client.get(cluster + "/history", hub.home().bootstrapToken()).code());
  }
}
