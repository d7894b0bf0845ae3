package io.flotilla.k8s.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The wire protocol as kube-apiserver speaks it, checked with a plain HTTP client. */
class HttpProtocolTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AGGREGATED_DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
      + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
  private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
  private static final String CONFIGMAPS = "/api/v1/namespaces/default/configmaps";
  private static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";
  private static final ResourceType CONFIGMAP = ResourceType.byKind("ConfigMap").orElseThrow();

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private SandboxApiServer server = SandboxApiServer.startSeeded(0, 2);

  private record Response(int code, String contentType, String body) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void discoveryIsPlainJsonEvenWhenAggregatedIsAsked() throws Exception {
    Response api = request("GET", "/api", AGGREGATED_DISCOVERY, null, null);
    assertEquals("application/json", api.contentType());
    assertEquals("APIVersions", api.json().path("kind").asText());
    assertEquals("v1", api.json().path("versions").get(0).asText());

    JsonNode groups = request("GET", "/apis", AGGREGATED_DISCOVERY, null, null).json();
    assertEquals("APIGroupList", groups.path("kind").asText());
    assertEquals(List.of("apps", "batch", "coordination.k8s.io", "rbac.authorization.k8s.io", "apiextensions.k8s.io"),
        values(groups.path("groups"), "name"));
    assertEquals("apps/v1", get("/apis/apps").json().path("preferredVersion").path("groupVersion").asText());

    JsonNode apps = get("/apis/apps/v1").json();
    assertEquals("APIResourceList", apps.path("kind").asText());
    JsonNode deployments = resource(apps, "deployments");
    assertEquals("deployment", deployments.path("singularName").asText());
    assertEquals("Deployment", deployments.path("kind").asText());
    assertTrue(deployments.path("namespaced").asBoolean());
    assertEquals("[\"deploy\"]", deployments.path("shortNames").toString());
    assertEquals("[\"all\"]", deployments.path("categories").toString());
    assertEquals("[\"create\",\"delete\",\"deletecollection\",\"get\",\"list\",\"patch\",\"update\",\"watch\"]",
        deployments.path("verbs").toString());
    assertEquals("[\"get\",\"patch\",\"update\"]", resource(apps, "deployments/status").path("verbs").toString());

    JsonNode core = get("/api/v1").json();
    assertFalse(resource(core, "namespaces").path("namespaced").asBoolean());
    for (String shortName : List.of("po", "svc", "cm", "ns", "no", "sa", "ev", "ep")) {
      assertTrue(core.toString().contains("\"" + shortName + "\""), shortName);
    }
    assertEquals(404, get("/apis/nope.example.com/v1").code());
  }

  @Test
  void healthVersionAndOpenApi() throws Exception {
    for (String path : List.of("/healthz", "/livez", "/readyz")) {
      Response health = get(path);
      assertEquals(200, health.code());
      assertEquals("ok", health.body());
      assertTrue(health.contentType().startsWith("text/plain"));
    }
    for (String path : List.of("/version", "/version/")) {
      JsonNode version = get(path).json();
      assertEquals("30", version.path("minor").asText());
      assertEquals("linux/amd64", version.path("platform").asText());
    }
    Response openapi = get("/openapi/v2");
    assertEquals(200, openapi.code());
    assertEquals("", openapi.body());
    assertEquals("application/com.github.proto-openapi.spec.v2.v1.0+protobuf", openapi.contentType());
    assertEquals(404, get("/openapi/v3").code());
  }

  @Test
  void errorsAreStatusObjects() throws Exception {
    Response missing = get(DEPLOYMENTS + "/nope");
    assertEquals(404, missing.code());
    assertEquals("application/json", missing.contentType());
    assertEquals(JSON.readTree("""
        {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
         "message":"deployments.apps \\"nope\\" not found","reason":"NotFound",
         "details":{"name":"nope","group":"apps","kind":"deployments"},"code":404}"""), missing.json());

    assertStatus(400, "BadRequest", post(CONFIGMAPS, "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"x\"}}"));
    assertStatus(404, "NotFound", post("/api/v1/namespaces/nowhere/configmaps", "{\"metadata\":{\"name\":\"x\"}}"));
    assertStatus(422, "Invalid", post(CONFIGMAPS, "{\"metadata\":{\"name\":\"Not_Valid\"}}"));
    assertStatus(422, "Invalid", post(CONFIGMAPS, "{\"metadata\":{}}"));
    assertStatus(400, "BadRequest", post(CONFIGMAPS, "not json"));
    assertStatus(405, "MethodNotAllowed", request("POST", "/api/v1/nodes/sandbox-node-0", null, "application/json", "{}"));
    assertStatus(404, "NotFound", get("/api/v1/namespaces/default/nodes"));
    assertStatus(400, "BadRequest", get(CONFIGMAPS + "?labelSelector=a%20in%20x"));
    assertStatus(400, "BadRequest", get(CONFIGMAPS + "?fieldSelector=data.key%3Dx"));

    post(CONFIGMAPS, "{\"metadata\":{\"name\":\"cm\"},\"data\":{\"a\":\"1\"}}");
    assertStatus(400, "BadRequest", request("PUT", CONFIGMAPS + "/cm", null, "application/json",
        "{\"metadata\":{\"name\":\"other\"}}"));
    assertStatus(415, "UnsupportedMediaType", patch(CONFIGMAPS + "/cm", "application/apply-patch+yaml", "data: {}"));
    assertStatus(415, "UnsupportedMediaType", patch(CONFIGMAPS + "/cm", "text/plain", "{}"));
    assertStatus(422, "Invalid", patch(CONFIGMAPS + "/cm", "application/json-patch+json",
        "[{\"op\":\"test\",\"path\":\"/data/a\",\"value\":\"2\"}]"));
    assertStatus(409, "Conflict", patch(CONFIGMAPS + "/cm", "application/merge-patch+json",
        "{\"metadata\":{\"resourceVersion\":\"1\"},\"data\":{\"a\":\"2\"}}"));
    assertStatus(409, "AlreadyExists", post(CONFIGMAPS, "{\"metadata\":{\"name\":\"cm\"}}"));
  }

  @Test
  void createFillsServerMetadataAndDryRunStoresNothing() throws Exception {
    Response created = post(CONFIGMAPS, "{\"metadata\":{\"generateName\":\"gen-\"},\"data\":{\"k\":\"v\"}}");
    assertEquals(201, created.code());
    JsonNode meta = created.json().path("metadata");
    assertTrue(meta.path("name").asText().matches("gen-[a-z0-9]{5}"), meta.toString());
    assertEquals("default", meta.path("namespace").asText());
    assertTrue(meta.path("creationTimestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
    assertFalse(meta.path("uid").asText().isEmpty());
    assertEquals("v1", created.json().path("apiVersion").asText());
    assertEquals("ConfigMap", created.json().path("kind").asText());

    Response dryRun = post(CONFIGMAPS + "?dryRun=All", "{\"metadata\":{\"name\":\"dry\"}}");
    assertEquals(201, dryRun.code());
    assertEquals(404, get(CONFIGMAPS + "/dry").code());
    assertEquals(200, request("DELETE", CONFIGMAPS + "/" + meta.path("name").asText() + "?dryRun=All", null,
        null, null).code());
    assertEquals(200, get(CONFIGMAPS + "/" + meta.path("name").asText()).code());

    JsonNode list = get(CONFIGMAPS).json();
    assertEquals("ConfigMapList", list.path("kind").asText());
    assertEquals(1, list.path("items").size());
    assertFalse(list.path("metadata").path("resourceVersion").asText().isEmpty());
  }

  @Test
  void statusSubresourceAndGeneration() throws Exception {
    JsonNode created = post(DEPLOYMENTS, """
        {"metadata":{"name":"web"},"spec":{"replicas":1},"status":{"replicas":5}}""").json();
    assertFalse(created.has("status"), "status is not settable on create");
    assertEquals(1, created.path("metadata").path("generation").asInt());

    ObjectNode labelled = created.deepCopy();
    ((ObjectNode) labelled.path("metadata")).putObject("labels").put("a", "b");
    labelled.putObject("status").put("replicas", 7);
    JsonNode afterLabel = put(DEPLOYMENTS + "/web", labelled).json();
    assertEquals(1, afterLabel.path("metadata").path("generation").asInt(), "metadata changes keep the generation");
    assertFalse(afterLabel.has("status"), "the main resource ignores status");

    ObjectNode scaled = afterLabel.deepCopy();
    ((ObjectNode) scaled.path("spec")).put("replicas", 3);
    assertEquals(2, put(DEPLOYMENTS + "/web", scaled).json().path("metadata").path("generation").asInt());

    JsonNode status = patch(DEPLOYMENTS + "/web/status", "application/merge-patch+json",
        "{\"spec\":{\"replicas\":9},\"status\":{\"readyReplicas\":3}}").json();
    assertEquals(3, status.path("status").path("readyReplicas").asInt());
    assertEquals(3, status.path("spec").path("replicas").asInt(), "the status subresource ignores spec");
    assertEquals(2, status.path("metadata").path("generation").asInt());
    assertEquals(3, get(DEPLOYMENTS + "/web/status").json().path("status").path("readyReplicas").asInt());
  }

  @Test
  void namespaceDeletionTerminatesThenRemovesItsContents() throws Exception {
    post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"doomed\"}}");
    post("/api/v1/namespaces/doomed/configmaps", "{\"metadata\":{\"name\":\"cm\"}}");
    JsonNode terminating = request("DELETE", "/api/v1/namespaces/doomed", null, "application/json",
        "{\"propagationPolicy\":\"Background\"}").json();
    assertEquals("Terminating", terminating.path("status").path("phase").asText());
    assertStatus(403, "Forbidden", post("/api/v1/namespaces/doomed/configmaps", "{\"metadata\":{\"name\":\"late\"}}"));
    Poll.until(Duration.ofSeconds(10), () -> code("/api/v1/namespaces/doomed") == 404, () -> "namespace still there");
    assertEquals(404, get("/api/v1/namespaces/doomed/configmaps/cm").code());
    assertStatus(403, "Forbidden", request("DELETE", "/api/v1/namespaces/default", null, null, null));
  }

  @Test
  void deletePreconditionsAndCollections() throws Exception {
    for (String name : List.of("a1", "a2", "b1")) {
      post(CONFIGMAPS, "{\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"group\":\"" + name.charAt(0) + "\"}}}");
    }
    assertStatus(409, "Conflict", request("DELETE", CONFIGMAPS + "/a1", null, "application/json",
        "{\"preconditions\":{\"resourceVersion\":\"1\"}}"));
    JsonNode deleted = request("DELETE", CONFIGMAPS + "?labelSelector=group%3Da", null, null, null).json();
    assertEquals(List.of("a1", "a2"), values(deleted.path("items"), "metadata", "name"));
    assertEquals(List.of("b1"), values(get(CONFIGMAPS).json().path("items"), "metadata", "name"));
    JsonNode status = request("DELETE", CONFIGMAPS + "/b1", null, null, null).json();
    assertEquals("Success", status.path("status").asText());
    assertEquals("configmaps", status.path("details").path("kind").asText());
  }

  @Test
  void tablesForKubectlGet() throws Exception {
    JsonNode table = request("GET", "/api/v1/pods", TABLE, null, null).json();
    assertEquals("Table", table.path("kind").asText());
    assertEquals("meta.k8s.io/v1", table.path("apiVersion").asText());
    assertEquals(List.of("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node"),
        values(table.path("columnDefinitions"), "name"));
    JsonNode row = table.path("rows").get(0);
    assertEquals("1/1", row.path("cells").get(1).asText());
    assertEquals("Running", row.path("cells").get(2).asText());
    assertEquals("PartialObjectMetadata", row.path("object").path("kind").asText());
    assertEquals("kube-system", row.path("object").path("metadata").path("namespace").asText());
    JsonNode bare = request("GET", "/api/v1/nodes/sandbox-node-0?includeObject=None", TABLE, null, null).json();
    assertEquals(1, bare.path("rows").size());
    assertEquals("Ready", bare.path("rows").get(0).path("cells").get(1).asText());
    assertFalse(bare.path("rows").get(0).has("object"));
  }

  @Test
  void watchFollowsObjectsInAndOutOfTheSelection() throws Exception {
    try (BufferedReader watch = watch(CONFIGMAPS + "?watch=true&labelSelector=app%3Da")) {
      post(CONFIGMAPS, "{\"metadata\":{\"name\":\"w\",\"labels\":{\"app\":\"a\"}}}");
      patch(CONFIGMAPS + "/w", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"app\":\"b\"}}}");
      patch(CONFIGMAPS + "/w", "application/merge-patch+json", "{\"data\":{\"unseen\":\"1\"}}");
      patch(CONFIGMAPS + "/w", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"app\":\"a\"}}}");
      patch(CONFIGMAPS + "/w", "application/strategic-merge-patch+json", "{\"data\":{\"seen\":\"1\"}}");
      request("DELETE", CONFIGMAPS + "/w", null, null, null);
      assertEquals(List.of("ADDED", "DELETED", "ADDED", "MODIFIED", "DELETED"), types(watch, 5));
    }
  }

  @Test
  void watchReplaysFromResourceVersionAndEndsAtTimeout() throws Exception {
    String first = post(CONFIGMAPS, "{\"metadata\":{\"name\":\"one\"}}").json()
        .path("metadata").path("resourceVersion").asText();
    post(CONFIGMAPS, "{\"metadata\":{\"name\":\"two\"}}");
    long started = System.nanoTime();
    try (BufferedReader watch = watch(CONFIGMAPS + "?watch=1&timeoutSeconds=1&resourceVersion=" + first)) {
      JsonNode event = JSON.readTree(watch.readLine());
      assertEquals("ADDED", event.path("type").asText());
      assertEquals("two", event.path("object").path("metadata").path("name").asText());
      assertNull(watch.readLine(), "the stream ends at timeoutSeconds");
    }
    assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(10)) < 0);
    try (BufferedReader watch = watch(CONFIGMAPS + "/one?watch=true&timeoutSeconds=5")) {
      JsonNode event = JSON.readTree(watch.readLine());
      assertEquals("ADDED", event.path("type").asText(), "without resourceVersion the current state comes first");
      assertEquals("one", event.path("object").path("metadata").path("name").asText(), "one object's watch");
    }
  }

  @Test
  void bookmarksWhenAllowed() throws Exception {
    restart(new SandboxApiServer.Settings(100, 100, Duration.ofMillis(100), Duration.ofSeconds(1),
        Duration.ofMinutes(30)));
    try (BufferedReader watch = watch(CONFIGMAPS + "?watch=true&allowWatchBookmarks=true&resourceVersion=1")) {
      JsonNode bookmark = JSON.readTree(watch.readLine());
      assertEquals("BOOKMARK", bookmark.path("type").asText());
      assertEquals("ConfigMap", bookmark.path("object").path("kind").asText());
      assertEquals(get(CONFIGMAPS).json().path("metadata").path("resourceVersion").asText(),
          bookmark.path("object").path("metadata").path("resourceVersion").asText());
    }
  }

  @Test
  void watchersThatLeaveAreDropped() throws Exception {
    restart(new SandboxApiServer.Settings(100, 100, Duration.ofMillis(100), Duration.ofSeconds(1),
        Duration.ofMinutes(30)));
    try (Socket socket = rawWatch(CONFIGMAPS + "?watch=true&allowWatchBookmarks=true")) {
      Poll.until(Duration.ofSeconds(10), () -> server.store().watcherCount() == 1, () -> "watch not open");
    }
    // the next bookmark write fails and ends the watch
    Poll.until(Duration.ofSeconds(10), () -> server.store().watcherCount() == 0, () -> "watcher still registered");
  }

  @Test
  void aWatcherThatFallsBehindIsClosedWithoutBlockingWriters() throws Exception {
    restart(new SandboxApiServer.Settings(50, 10, Duration.ofSeconds(10), Duration.ofSeconds(1),
        Duration.ofMinutes(30)));
    ObjectNode big = (ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"big\"}}");
    big.putObject("data").put("blob", "x".repeat(64 * 1024));
    server.store().create(CONFIGMAP, "default", big, false);
    try (Socket socket = rawWatch(CONFIGMAPS + "?watch=true")) {
      Poll.until(Duration.ofSeconds(10), () -> server.store().watcherCount() == 1, () -> "watch not open");
      // the client reads nothing: the socket buffers fill, then the watcher's queue, then it is closed
      for (int i = 0; i < 2000 && server.store().watcherCount() > 0; i++) {
        server.store().patch(CONFIGMAP, "default", "big", o -> {
          ((ObjectNode) o.path("data")).put("n", String.valueOf(System.nanoTime()));
          return o;
        }, false, false);
      }
      assertEquals(0, server.store().watcherCount());
    }
  }

  private void restart(SandboxApiServer.Settings settings) {
    server.close();
    server = SandboxApiServer.start(0, 0, settings);
  }

  private Response get(String path) throws Exception {
    return request("GET", path, null, null, null);
  }

  private int code(String path) {
    try {
      return get(path).code();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private Response post(String path, String body) throws Exception {
    return request("POST", path, null, "application/json", body);
  }

  private Response put(String path, JsonNode body) throws Exception {
    return request("PUT", path, null, "application/json", body.toString());
  }

  private Response patch(String path, String contentType, String body) throws Exception {
    return request("PATCH", path, null, contentType, body);
  }

  private Response request(String method, String path, String accept, String contentType, String body)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (accept != null) {
      request.header("Accept", accept);
    }
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
        response.body());
  }

  /** A watch stream, one event per line. */
  private BufferedReader watch(String path) throws Exception {
    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
  }

  /** A watch on a bare socket, for clients that never read or that hang up. */
  private Socket rawWatch(String path) throws IOException {
    Socket socket = new Socket("127.0.0.1", server.port());
    socket.setReceiveBufferSize(4096);
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  private static List<String> types(BufferedReader watch, int count) throws IOException {
    List<String> types = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      types.add(JSON.readTree(watch.readLine()).path("type").asText());
    }
    return types;
  }

  private static void assertStatus(int code, String reason, Response response) throws IOException {
    assertEquals(code, response.code(), response.body());
    JsonNode status = response.json();
    assertEquals("Status", status.path("kind").asText());
    assertEquals("Failure", status.path("status").asText());
    assertEquals(reason, status.path("reason").asText(), response.body());
    assertEquals(code, status.path("code").asInt());
  }

  private static JsonNode resource(JsonNode resourceList, String name) {
    return StreamSupport.stream(resourceList.path("resources").spliterator(), false)
        .filter(r -> r.path("name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in " + resourceList));
  }

  private static List<String> values(JsonNode list, String... path) {
    return StreamSupport.stream(list.spliterator(), false)
        .map(e -> {
          JsonNode node = e;
          for (String field : path) {
            node = node.path(field);
          }
          return node.asText();
        })
        .toList();
  }
}
