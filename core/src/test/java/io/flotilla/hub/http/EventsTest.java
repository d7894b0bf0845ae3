package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.stream.alpakka.cassandra.javadsl.CassandraSessionRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.HubExtension;
import io.flotilla.hub.Kubectl;
import io.flotilla.hub.events.EventRecorder;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Events the hub records (registration, delivery), as kubectl describe and get events read them, and their TTL. */
class EventsTest {
  @RegisterExtension
  @Order(1)
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();
  @RegisterExtension
  @Order(2)
  static final HubExtension hub = new HubExtension(cassandra);

  static final Duration WITHIN = Duration.ofSeconds(30);

  String admin() {
    return hub.home().adminToken();
  }

  static String selector(String fields) {
    return "?fieldSelector=" + URLEncoder.encode(fields, StandardCharsets.UTF_8);
  }

  JsonNode awaitEvent(String path) {
    JsonNode[] found = new JsonNode[1];
    TestProbe.create(hub.hub().system()).awaitAssert(WITHIN, Duration.ofMillis(300), () -> {
      HubClient.Reply reply = hub.client().get(path, admin());
      assertEquals(200, reply.code(), reply.body());
      assertEquals(1, reply.json().path("items").size(), reply.body());
      found[0] = reply.json().path("items").get(0);
      return null;
    });
    return found[0];
  }

  @Test
  void registrationAndDeliveryAreEventsThatKubectlDescribeShows() throws Exception {
    HubClient.Reply registered = hub.client().register(hub.home().bootstrapToken(), Map.of());
    JsonNode crr = registered.json();
    String namespace = crr.at("/status/dedicatedNamespace").asText();
    String clusterToken = crr.at("/status/token").asText();
    JsonNode approved = awaitEvent("/api/v1/namespaces/default/events" + selector(
        "involvedObject.kind=ClusterRegistrationRequest,involvedObject.name=" + crr.at("/metadata/name").asText()));
    assertEquals("ClusterApproved", approved.path("reason").asText());
    assertEquals("Normal", approved.path("type").asText());
    assertTrue(approved.path("message").asText().contains(namespace), approved.toString());

    String descriptions = "/apis/apps.clusternet.io/v1alpha1/namespaces/" + namespace + "/descriptions";
    ObjectNode description = Json.MAPPER.createObjectNode().put("apiVersion", "apps.clusternet.io/v1alpha1")
        .put("kind", "Description");
    description.putObject("metadata").put("name", "web-generic").put("namespace", namespace);
    description.putObject("spec").put("deployer", "Generic").putArray("raw");
    HubClient.Reply created = hub.client().post(descriptions, admin(), description);
    assertEquals(201, created.code(), created.body());
    String uid = created.json().at("/metadata/uid").asText();

    report(descriptions + "/web-generic/status", clusterToken, Map.of("phase", "Success"));
    report(descriptions + "/web-generic/status", clusterToken, Map.of("phase", "Success")); // no change: no event
    String ofDescription = "/api/v1/namespaces/" + namespace + "/events" + selector("involvedObject.kind=Description,"
        + "involvedObject.name=web-generic,involvedObject.uid=" + uid + ",reason=SuccessfullyDeployed");
    assertEquals(1, awaitEvent(ofDescription).path("count").asInt());

    report(descriptions + "/web-generic/status", clusterToken, Map.of("phase", "Failure", "reason", "image pull failed"));
    JsonNode failed = awaitEvent("/api/v1/namespaces/" + namespace + "/events" + selector("type=Warning"));
    assertEquals("UnSuccessfullyDeployed", failed.path("reason").asText());
    assertTrue(failed.path("message").asText().contains("image pull failed"), failed.toString());
    report(descriptions + "/web-generic/status", clusterToken, Map.of("phase", "Success"));
    TestProbe.create(hub.hub().system()).awaitAssert(WITHIN, Duration.ofMillis(300), () -> {
      JsonNode again = hub.client().get(ofDescription, admin()).json().path("items").get(0);
      assertEquals(2, again.path("count").asInt(), "aggregated, not a second object: " + again);
      assertTrue(again.path("lastTimestamp").asText().compareTo(again.path("firstTimestamp").asText()) >= 0);
      return null;
    });

    // events.k8s.io/v1 serves the same events in its shape; a viewer reads them, a cluster's token does not
    HubClient.Reply v1 = hub.client().get("/apis/events.k8s.io/v1/namespaces/" + namespace + "/events"
        + selector("regarding.name=web-generic,reason=SuccessfullyDeployed"), hub.home().viewerToken());
    assertEquals(200, v1.code(), v1.body());
    assertEquals("Description web-generic is deployed successfully", v1.json().at("/items/0/note").asText());
    assertEquals(2, v1.json().at("/items/0/deprecatedCount").asInt());
    assertEquals(403, hub.client().get("/api/v1/namespaces/" + namespace + "/events", clusterToken).code());
    HubClient.Reply unsupported = hub.client().get("/api/v1/events" + selector("involvedObject.color=blue"), admin());
    assertEquals(400, unsupported.code());
    assertTrue(unsupported.text("/message").contains("field label not supported: involvedObject.color"));

    Kubectl kubectl = Kubectl.require("PATH");
    Kubectl.Result described = kubectl.run(hub.home().kubeconfig(), "describe", "desc", "-n", namespace, "web-generic");
    assertEquals(0, described.exitCode(), described.err());
    assertTrue(described.out().lines().anyMatch(l -> l.matches("\\s+Normal\\s+SuccessfullyDeployed\\s+.*"
        + "Description web-generic is deployed successfully")), described.out());
    Kubectl.Result all = kubectl.run(hub.home().kubeconfig(), "get", "events", "-A");
    assertEquals(0, all.exitCode(), all.err());
    assertTrue(all.out().lines().anyMatch(l -> l.contains("UnSuccessfullyDeployed")), all.out());
  }

  void report(String path, String token, Map<String, String> status) {
    HubClient.Reply current = hub.client().get(path.replace("/status", ""), token);
    ObjectNode body = (ObjectNode) current.json();
    body.set("status", Json.MAPPER.valueToTree(status));
    HubClient.Reply reply = hub.client().put(path, token, body);
    assertEquals(200, reply.code(), reply.body());
  }

  @Test
  void eventsExpireAfterTheirTtl() {
    var system = hub.hub().system();
    EventRecorder shortLived = new EventRecorder(CassandraSessionRegistry.get(system)
        .sessionFor("akka.projection.cassandra.session-config"),
        system.settings().config().getString("flotilla.cassandra.keyspace"), Duration.ofSeconds(2), Clock.systemUTC());
    shortLived.record(new EventRecorder.Involved("v1", "ConfigMap", "ttl-test", "short", null), EventRecorder.NORMAL,
        "Noted", "gone soon").toCompletableFuture().join();
    String path = "/api/v1/namespaces/ttl-test/events";
    assertEquals(1, hub.client().get(path, admin()).json().path("items").size());
    TestProbe.create(system).awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(500), () -> {
      assertEquals(0, hub.client().get(path, admin()).json().path("items").size(), "expired");
      return null;
    });
  }
}
