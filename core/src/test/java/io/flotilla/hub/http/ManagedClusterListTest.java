package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
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
  // pages read 2 rows at a time, so that a few clusters cross chunk boundaries
  static final HubExtension hub = new HubExtension(cassandra,
      ConfigFactory.parseMap(Map.of("flotilla.hub.list-chunk", 2)));

  static final String MCLS = "/apis/clusters.clusternet.io/v1beta1/managedclusters";

  String register(Map<String, String> labels) {
    HubClient.Reply reply = hub.client().register(hub.home().bootstrapToken(), labels);
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
    TreeSet<String> edge = new TreeSet<>();
    TreeSet<String> all = new TreeSet<>();
    for (int i = 0; i < 7; i++) {
      String key = register(Map.of(fleet, i < 5 ? "berlin" : "paris", "tier", i % 2 == 0 ? "edge" : "core",
          fleet + "-marker", "yes"));
      all.add(key);
      if (i < 5) {
        berlin.add(key);
      }
      if (i % 2 == 0) {
        edge.add(key);
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
    // two and three requirements joined in the index: each page in order, each cluster once
    List<String> expectedBerlinEdge = all.stream().filter(key -> berlin.contains(key) && edge.contains(key)).toList();
    assertEquals(expectedBerlinEdge, berlinEdge);
    for (int limit : new int[] {1, 2, 5}) {
      assertEquals(expectedBerlinEdge, allPages(fleet + "=berlin,tier=edge", limit), "limit " + limit);
      assertEquals(expectedBerlinEdge, allPages("tier=edge," + fleet + "=berlin", limit), "limit " + limit);
    }
    assertEquals(all.stream().filter(edge::contains).filter(key -> !berlin.contains(key)).toList(),
        allPages(fleet + "=paris,tier=edge," + fleet + "-marker=yes", 1));
    assertEquals(List.of(), allPages(fleet + "=paris,tier=nowhere", 2));
    // `in` with several values: the nearest of its values' rows, alone and joined
    assertEquals(List.copyOf(all), allPages(fleet + " in (paris,berlin,nowhere)", 2));
    assertEquals(List.copyOf(edge), allPages(fleet + " in (berlin,paris),tier=edge", 1));
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
    // through the index, a token must name a cluster (namespace/name)
    assertEquals(400, hub.client().get(MCLS + "?limit=1&labelSelector=" + encode(fleet + "=berlin")
        + "&continue=bm90LWEtbnVtYmVy", hub.home().adminToken()).code());

    // watch from a list's resourceVersion: what happened after the list, and only what the selector selects
    String listed = list("?labelSelector=" + encode(fleet)).at("/metadata/resourceVersion").asText();
    String joined = register(Map.of(fleet, "berlin", "tier", "edge"));
    register(Map.of("elsewhere-" + fleet, "x"));
    String[] parts = joined.split("/");
    assertEquals(200, hub.client().mergePatch("/apis/clusters.clusternet.io/v1beta1/namespaces/" + parts[0]
        + "/managedclusters/" + parts[1], hub.home().adminToken(),
        Map.of("metadata", Map.of("labels", Map.of(fleet, "paris")))).code());
    HubClient.Reply watched = hub.client().get(MCLS + "?watch=1&timeoutSeconds=6&resourceVersion=" + listed
        + "&labelSelector=" + encode(fleet), hub.home().adminToken());
    assertEquals(200, watched.code(), watched.body());
    List<String> events = watched.body().lines().filter(line -> !line.isBlank()).map(line -> {
      JsonNode event = Json.parse(line.getBytes(StandardCharsets.UTF_8));
      return event.path("type").asText() + " " + event.at("/object/metadata/namespace").asText() + "/"
          + event.at("/object/metadata/name").asText() + " " + event.at("/object/metadata/labels").path(fleet).asText();
    }).toList();
    // events carry the cluster as it is when they are sent (here: already relabelled)
    assertEquals(List.of("ADDED " + joined + " paris", "MODIFIED " + joined + " paris"), events, watched.body());
    assertEquals(400, hub.client().get(MCLS + "?watch=1&resourceVersion=yesterday", hub.home().adminToken()).code());
    assertEquals(400, hub.client().get(MCLS + "?limit=1&continue=***", hub.home().adminToken()).code());
  }
}
