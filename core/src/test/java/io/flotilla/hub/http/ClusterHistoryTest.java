package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.HubExtension;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A cluster's history, served from its journal and its Descriptions': typed entries, no unchanged
 * heartbeats, no credentials, filters, paging.
 */
class ClusterHistoryTest {
  @RegisterExtension
  @Order(1)
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();
  @RegisterExtension
  @Order(2)
  static final HubExtension hub = new HubExtension(cassandra);

  static final String APPS = "/apis/apps.clusternet.io/v1alpha1";
  static final Duration PATIENCE = Duration.ofSeconds(45);

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

  @Test
  void theDescriptionsOfTheClusterAssignedDeployedAndFailedMergedInTimeOrder() {
    HubClient client = hub.client();
    String admin = hub.home().adminToken();
    String label = "history-" + UUID.randomUUID().toString().substring(0, 8);
    HubClient.Reply registered = client.register(hub.home().bootstrapToken(), Map.of(label, "true"));
    assertEquals(201, registered.code(), registered.body());
    JsonNode crr = registered.json();
    String token = crr.at("/status/token").asText();
    String cluster = HubClient.managedClusterPath(crr);
    String namespace = crr.at("/status/dedicatedNamespace").asText();
    assertEquals(200, client.put(cluster + "/status", token, HubClient.statusReport(crr, "v1.29.4")).code());

    // a Subscription that selects the cluster: its Description is rendered into the cluster's namespace
    assertEquals(201, client.post("/api/v1/namespaces", admin, """
        {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"%s"}}""".formatted(label)).code());
    HubClient.Reply subscribed = client.post(APPS + "/namespaces/default/subscriptions", admin, """
        {"apiVersion":"apps.clusternet.io/v1alpha1","kind":"Subscription","metadata":{"name":"%s"},
         "spec":{"subscribers":[{"clusterAffinity":{"matchLabels":{"%s":"true"}}}],
                 "feeds":[{"apiVersion":"v1","kind":"Namespace","name":"%s"}]}}""".formatted(label, label, label));
    assertEquals(201, subscribed.code(), subscribed.body());
    String description = APPS + "/namespaces/" + namespace + "/descriptions/" + label + "-generic";
    awaitAssert(() -> assertEquals(200, client.get(description, admin).code()));
    // the cluster's own entries and the Description's interleave
    assertEquals(200, client.put(cluster + "/status", token, HubClient.statusReport(crr, "v1.30.1")).code());
    String resourceVersion = client.get(cluster, admin).text("/metadata/resourceVersion");
    report(description, token, Map.of("phase", "Success"));
    report(description, token, Map.of("phase", "Failure", "reason", "image pull failed"));
    // nothing was written to the cluster's journal: the agent's next status PUT is not stale
    assertEquals(resourceVersion, client.get(cluster, admin).text("/metadata/resourceVersion"));

    List<String> all = List.of("Registered", "FirstStatus", "DescriptionAssigned", "StatusChanged",
        "DescriptionDeployed", "DescriptionFailed");
    JsonNode[] read = new JsonNode[1];
    awaitAssert(() -> { // the object index lists a new Description about a second later
      read[0] = client.get(cluster + "/history", admin).json();
      assertEquals(all, types(read[0]), read[0].toString());
    });
    JsonNode history = read[0];
    for (int i : List.of(2, 4, 5)) {
      JsonNode entry = history.path("items").get(i);
      assertEquals(namespace, entry.at("/description/namespace").asText(), entry.toString());
      assertEquals(label + "-generic", entry.at("/description/name").asText(), entry.toString());
      assertEquals(1, entry.path("generation").asLong(), entry.toString());
      // names and verdicts only: never the Description's spec (it may carry Secrets)
      Set<String> fields = new HashSet<>();
      entry.fieldNames().forEachRemaining(fields::add);
      assertTrue(Set.of("type", "time", "sequence", "description", "generation", "phase", "reason")
          .containsAll(fields), entry.toString());
    }
    assertEquals("Pending", history.at("/items/2/phase").asText());
    assertEquals("image pull failed", history.at("/items/5/reason").asText());
    for (int i = 1; i < all.size(); i++) {
      assertFalse(Instant.parse(history.at("/items/" + (i - 1) + "/time").asText())
          .isAfter(Instant.parse(history.at("/items/" + i + "/time").asText())), history.toString());
    }

    // filters: by the new types, mixed with the cluster's own, by time; the cluster's token reads the same
    assertEquals(List.of("DescriptionDeployed", "DescriptionFailed"),
        types(client.get(cluster + "/history?type=DescriptionDeployed,DescriptionFailed", admin).json()));
    assertEquals(List.of("DescriptionAssigned", "StatusChanged"),
        types(client.get(cluster + "/history?type=StatusChanged,DescriptionAssigned", admin).json()));
    assertEquals(List.of("FirstStatus"), types(client.get(cluster + "/history?type=FirstStatus", admin).json()));
    assertEquals(all.subList(2, all.size()), types(client.get(cluster + "/history?since="
        + history.at("/items/2/time").asText(), admin).json()));
    assertEquals(all, types(client.get(cluster + "/history", token).json()));

    // paging over the merged list: every entry once, in order, whatever the page size
    for (int limit : List.of(1, 2, 4)) {
      List<JsonNode> paged = new ArrayList<>();
      String next = "";
      do {
        JsonNode page = client.get(cluster + "/history?limit=" + limit + (next.isEmpty() ? "" : "&continue=" + next),
            admin).json();
        assertTrue(page.path("items").size() <= limit, page.toString());
        page.path("items").forEach(paged::add);
        next = page.at("/metadata/continue").asText("");
      } while (!next.isEmpty());
      List<JsonNode> expected = new ArrayList<>();
      history.path("items").forEach(expected::add);
      assertEquals(expected, paged, "limit " + limit);
    }
    JsonNode failures = client.get(cluster + "/history?type=DescriptionFailed,FirstStatus&limit=1", admin).json();
    assertEquals(List.of("FirstStatus"), types(failures));
    assertEquals(List.of("DescriptionFailed"), types(client.get(cluster + "/history?type=DescriptionFailed,FirstStatus"
        + "&continue=" + failures.at("/metadata/continue").asText(), admin).json()));
    assertEquals(400, client.get(cluster + "/history?continue=not-a-token", admin).code());
  }

  /** The agent's status report on a Description: the object as it reads it, with this status. */
  static void report(String description, String token, Map<String, String> status) {
    ObjectNode body = (ObjectNode) hub.client().get(description, token).json();
    body.set("status", Json.MAPPER.valueToTree(status));
    HubClient.Reply reply = hub.client().put(description + "/status", token, body);
    assertEquals(200, reply.code(), reply.body());
  }

  static void awaitAssert(Runnable assertion) {
    TestProbe.create(hub.hub().system()).awaitAssert(PATIENCE, Duration.ofMillis(250), () -> {
      assertion.run();
      return null;
    });
  }
}
