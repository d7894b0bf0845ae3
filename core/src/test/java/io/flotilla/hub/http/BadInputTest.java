package io.flotilla.hub.http;

import static io.flotilla.hub.HubClient.registrationRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.HubExtension;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every kind of bad input gets a Status with the right code and a message naming the problem; nothing is stored. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
  @RegisterExtension
  @Order(1)
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  @RegisterExtension
  @Order(2)
  static final HubExtension running = new HubExtension(cassandra);

  static final String CRRS = "/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests";


  /** Posts a registration for a fresh cluster ID, after `edit`; asserts the Status and that nothing was stored. */
  JsonNode rejected(int code, String reason, Consumer<ObjectNode> edit) {
    String id = UUID.randomUUID().toString();
    ObjectNode body = registrationRequest("clusternet-" + id, id);
    edit.accept(body);
    HubClient.Reply reply = running.client().post(CRRS, running.home().bootstrapToken(), body);
    assertStatus(reply, code, reason);
    assertEquals(404, running.client().get(CRRS + "/clusternet-" + id, running.home().adminToken()).code(), "stored anyway");
    return reply.json();
  }

  static void assertStatus(HubClient.Reply reply, int code, String reason) {
    assertEquals(code, reply.code(), reply.body());
    JsonNode status = reply.json();
    assertEquals("Status", status.path("kind").asText(), reply.body());
    assertEquals("Failure", status.path("status").asText());
    assertEquals(code, status.path("code").asInt());
    assertEquals(reason, status.path("reason").asText(), reply.body());
  }

  @Test
  void malformedJson() {
    HubClient.Reply reply = running.client().post(CRRS, running.home().bootstrapToken(), "{\"apiVersion\": \"clusters.clusternet.io/v1beta1\",");
    assertStatus(reply, 400, "BadRequest");
    assertTrue(reply.text("/message").contains("malformed JSON"), reply.body());
    assertStatus(running.client().post(CRRS, running.home().bootstrapToken(), "[1,2]"), 400, "BadRequest");
    assertStatus(running.client().post(CRRS, running.home().bootstrapToken(), ""), 400, "BadRequest");
  }

  @Test
  void wrongApiVersionOrKind() {
    JsonNode version = rejected(400, "BadRequest", body -> body.put("apiVersion", "clusters.clusternet.io/v1"));
    assertTrue(version.path("message").asText().contains("API version"), version.toString());
    JsonNode kind = rejected(400, "BadRequest", body -> body.put("kind", "ManagedCluster"));
    assertTrue(kind.path("message").asText().contains("kind"), kind.toString());
    rejected(400, "BadRequest", body -> body.remove("kind"));
  }

  @Test
  void clusterIdThatIsNotAUuid() {
    HubClient.Reply reply = running.client().post(CRRS, running.home().bootstrapToken(),
        registrationRequest("clusternet-not-a-uuid", "not-a-uuid"));
    assertStatus(reply, 422, "Invalid");
    assertEquals("spec.clusterId", reply.text("/details/causes/0/field"), reply.body());
    rejected(422, "Invalid", body -> ((ObjectNode) body.get("spec")).remove("clusterId"));
  }

  @Test
  void namesThatAreNotDns1123OrTooLong() {
    JsonNode name = rejected(422, "Invalid", body -> ((ObjectNode) body.get("metadata")).put("name", "Clusternet_X"));
    assertEquals("metadata.name", name.at("/details/causes/0/field").asText(), name.toString());
    JsonNode longName = rejected(422, "Invalid", body -> ((ObjectNode) body.get("spec")).put("clusterName", "c".repeat(61)));
    assertEquals("spec.clusterName", longName.at("/details/causes/0/field").asText());
    JsonNode namespace = rejected(422, "Invalid", body -> ((ObjectNode) body.get("spec")).put("clusterNamespace", "n".repeat(64)));
    assertEquals("spec.clusterNamespace", namespace.at("/details/causes/0/field").asText());
    JsonNode badNs = rejected(422, "Invalid", body -> ((ObjectNode) body.get("spec")).put("clusterNamespace", "Has.Dots"));
    assertEquals("spec.clusterNamespace", badNs.at("/details/causes/0/field").asText());
    JsonNode labels = rejected(422, "Invalid", body ->
        ((ObjectNode) body.get("spec")).putObject("clusterLabels").put("bad key!", "v"));
    assertEquals("spec.clusterLabels", labels.at("/details/causes/0/field").asText());
    JsonNode mode = rejected(422, "Invalid", body -> ((ObjectNode) body.get("spec")).put("syncMode", "Teleport"));
    assertEquals("spec.syncMode", mode.at("/details/causes/0/field").asText());
  }

  @Test
  void wrongFieldTypesNameTheField() {
    JsonNode reply = rejected(400, "BadRequest", body -> ((ObjectNode) body.get("spec")).putArray("clusterName"));
    assertTrue(reply.path("message").asText().contains("spec.clusterName"), reply.toString());
  }

  @Test
  void oversizeBodies() {
    String id = UUID.randomUUID().toString();
    ObjectNode body = registrationRequest("clusternet-" + id, id);
    ((ObjectNode) body.get("metadata")).putObject("annotations").put("padding", "x".repeat(2 * 1024 * 1024));
    assertStatus(running.client().post(CRRS, running.home().bootstrapToken(), body), 413, "RequestEntityTooLarge");
    // without a Content-Length the cap is enforced while streaming
    HubClient.Reply chunked = running.client().send(running.client().request(CRRS, running.home().bootstrapToken())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() ->
            new java.io.ByteArrayInputStream(io.flotilla.api.Json.write(body)))));
    assertStatus(chunked, 413, "RequestEntityTooLarge");
    assertEquals(404, running.client().get(CRRS + "/clusternet-" + id, running.home().adminToken()).code());
  }

  @Test
  void unsupportedMediaType() {
    String id = UUID.randomUUID().toString();
    HubClient.Reply reply = running.client().send(running.client().request(CRRS, running.home().bootstrapToken())
        .header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(registrationRequest("clusternet-" + id, id).toString())));
    assertStatus(reply, 415, "UnsupportedMediaType");
  }

  @Test
  void missingUnknownAndForgedTokens() {
    String id = UUID.randomUUID().toString();
    ObjectNode body = registrationRequest("clusternet-" + id, id);
    assertStatus(running.client().post(CRRS, null, body), 401, "Unauthorized");
    assertStatus(running.client().post(CRRS, "not-a-token", body), 401, "Unauthorized");
    assertStatus(running.client().get("/apis/clusters.clusternet.io/v1beta1/managedclusters", UUID.randomUUID() + ".forged"),
        401, "Unauthorized");
    assertEquals(404, running.client().get(CRRS + "/clusternet-" + id, running.home().adminToken()).code());
  }

  @Test
  void unknownPathsAndMethods() {
    assertStatus(running.client().get("/apis/nope.example.com/v1/things", running.home().adminToken()), 404, "NotFound");
    assertStatus(running.client().get("/apis/clusters.clusternet.io/v1beta1/gizmos", running.home().adminToken()), 404, "NotFound");
    assertStatus(running.client().get("/nothing-here", null), 404, "NotFound");
    assertStatus(running.client().delete(CRRS + "/clusternet-" + UUID.randomUUID(), running.home().adminToken()), 405, "MethodNotAllowed");
  }
}
