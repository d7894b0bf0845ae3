package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.HubExtension;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ManagedCluster lists: label selectors through the label index or a scan, field selectors, limit/continue. */
class ManagedClusterListTest {
  @RegisterExtension
  @Order(1)
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();
  @RegisterExtension
  @Order(2)
  static final HubExtension hub = new HubExtension(cassandra);

  static final String MCLS = "/apis/clusters.clusternet.io/v1beta1/managedclusters";

  String register(Map<String, String> labels) {
    String id = UUID.randomUUID().toString();
    ObjectNode request = HubClient.registrationRequest("clusternet-" + id, id);
    request.with("spec").set("clusterLabels", Json.MAPPER.valueToTree(labels));
    HubClient.Reply reply = hub.client().post("/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests",
        hub.home().bootstrapToken(), request);
    assertEquals(201, reply.code(), reply.body());
    return reply.text("/status/dedicatedNamespace") + "/" + reply.text("/status/managedClusterName");
  }

  JsonNode list(String query) {
    HubClient.Reply reply = hub.client().get(MCLS + query, hub.home().adminToken());
    assertEquals(200, reply.code(), reply.body());
    return reply.json();
  }

  static List<String> keys(JsonNode list) {
    List<String> keys = new ArrayList<>();
    list.path("items").forEach(i -> keys.add(i.at("/metadata/namespace").asText() + "/" + i.at("/metadata/name").asText()));
    return keys;
  }

  /** Every page of a list with this selector, `limit` at a time, in order. */
  List<String> allPages(String selector, int limit) {
    List<String> all = new ArrayList<>();
    String token = null;
    do {
      JsonNode page = list("?limit=" + limit + "&labelSelector=" + encode(selector)
          + (token == null ? "" : "&continue=" + token));
      assertTrue(page.path("items").size() <= limit, page.toString());
      all.addAll(keys(page));
      token = page.at("/metadata/continue").asText(null);
    } while (token != null);
    return all;
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Test
  void selectorsAndPagingThroughTheLabelIndexAndThroughAScan() {
    String fleet = "fleet-" + UUID.randomUUID().toString().substring(0, 8);
    TreeSet<String> berlin = new TreeSet<>();
    TreeSet<String> all = new TreeSet<>();
    for (int i = 0; i < 7; i++) {
      String key = register(Map.of(fleet, i < 5 ? "berlin" : "paris", "tier", i % 2 == 0 ? "edge" : "core"));
      all.add(key);
      if (i < 5) {
        berlin.add(key);
      }
    }
    TestProbe.create(hub.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
      assertEquals(List.copyOf(all), keys(list("?labelSelector=" + encode(fleet)))); // exists: index
      return null;
    });
    // equality through the index, paged 2 at a time, each cluster once, in order
    assertEquals(List.copyOf(berlin), allPages(fleet + "=berlin", 2));
    // set-based and a second requirement filtered exactly
    List<String> berlinEdge = keys(list("?labelSelector=" + encode(fleet + " in (berlin),tier=edge")));
    assertEquals(3, berlinEdge.size(), berlinEdge.toString());
    // only negative requirements: the directory is scanned, paged 3 at a time
    List<String> notParis = allPages(fleet + "!=paris,tier", 3).stream().filter(all::contains).toList();
    assertEquals(berlin.size(), new TreeSet<>(notParis).size());
    assertEquals(notParis.size(), new TreeSet<>(notParis).size(), "a cluster came twice: " + notParis);
    // field selectors
    String one = berlin.first();
    assertEquals(List.of(one), keys(list("?fieldSelector=" + encode("metadata.namespace=" + one.split("/")[0])
        + "&labelSelector=" + encode(fleet))));
    assertEquals(400, hub.client().get(MCLS + "?fieldSelector=status.phase%3DReady", hub.home().adminToken()).code());
    assertEquals(400, hub.client().get(MCLS + "?limit=1&continue=bm90LWEtbnVtYmVy", hub.home().adminToken()).code());
    assertEquals(400, hub.client().get(MCLS + "?limit=1&continue=***", hub.home().adminToken()).code());
  }
}
