package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.cluster.typed.Cluster;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.flotilla.api.Json;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.Kubectl;
import io.flotilla.hub.TestHubs;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * `?watch=true` on stored objects over plain HTTP, on a two-node hub whose watch window is small:
 * list then watch, resume without loss or repeats, selectors (an object relabelled out of a
 * selection is DELETED for it), Secrets decrypted as GET serves them, bookmarks, timeouts, 410
 * beyond the window, a change written on one node seen by a watch on the other, and `kubectl get -w`.
 * Each test works in its own namespaces.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObjectWatchTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  /** Changes kept per slice: small, so a test can push a position out of the window. */
  static final int WINDOW = 20;
  static final Duration EVENT_DEADLINE = Duration.ofSeconds(15);

  @TempDir
  static Path home;
  /** The node the tests write through, and a second one that watches are also opened on. */
  TestHubs.Running first;
  TestHubs.Running second;
  String admin;

  @BeforeAll
  void start() throws Exception {
    first = startNode(Map.of());
    String seed = Cluster.get(first.hub().system()).selfMember().address().toString();
    second = startNode(Map.of("akka.cluster.seed-nodes", ConfigValueFactory.fromIterable(List.of(seed))));
    admin = first.home().adminToken();
    TestProbe.create(first.hub().system()).awaitAssert(Duration.ofSeconds(30), () -> {
      assertEquals(2, Cluster.get(first.hub().system()).state().members().size());
      return null;
    });
  }

  /** A hub node on the shared home (one CA, admin token and Secret key, as a deployment's nodes share). */
  TestHubs.Running startNode(Map<String, Object> extra) throws Exception {
    return TestHubs.start(home, ConfigFactory.parseMap(extra)
        .withFallback(ConfigFactory.parseMap(Map.of("flotilla.hub.watch.window", WINDOW,
            "flotilla.hub.watch.bookmark-interval", "1s")))
        .withFallback(TestHubs.config(cassandra)));
  }

  @AfterAll
  void stop() throws Exception {
    if (second != null) {
      second.hub().close();
    }
    if (first != null) {
      first.hub().close();
    }
  }

  static ObjectNode configMap(String namespace, String name, String tier) {
    ObjectNode cm = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
    cm.putObject("metadata").put("name", name).put("namespace", namespace).putObject("labels").put("tier", tier);
    cm.putObject("data").put("k", "v");
    return cm;
  }

  HubClient.Reply ok(HubClient.Reply reply) {
    assertTrue(reply.code() / 100 == 2, reply.code() + " " + reply.body());
    return reply;
  }

  /** The list once the index shows `size` items (lists are eventually consistent). */
  /**
   * Lists until two lists in a row show {@code size} items at the same resourceVersion. A list's position is read
   * before its rows, so a fresh change can be in a list whose position does not cover it yet, and then comes again
   * in a watch from it (ObjectIndex); a settled list's position covers what it shows.
   */
  JsonNode awaitList(String path, int size) {
    JsonNode[] last = new JsonNode[1];
    TestProbe.create(first.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
      JsonNode previous = last[0];
      last[0] = ok(first.client().get(path, admin)).json();
      assertEquals(size, last[0].path("items").size(), last[0].toString());
      assertTrue(previous != null && previous.path("items").size() == size
          && previous.at("/metadata/resourceVersion").equals(last[0].at("/metadata/resourceVersion")),
          "the list's position is still moving");
      return null;
    });
    return last[0];
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** An open watch: its lines as they arrive, read by a thread of the HTTP client. */
  final class Watch implements AutoCloseable {
    final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    final Stream<String> lines;
    volatile boolean ended;

    Watch(TestHubs.Running node, String path) {
      HttpClient http = HttpClient.newBuilder().sslContext(node.home().clientSslContext()).build();
      try {
        HttpResponse<Stream<String>> response = http.send(node.client().request(path, admin)
            .timeout(Duration.ofMinutes(5)).GET().build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        assertEquals("chunked", response.headers().firstValue("transfer-encoding").orElse(""));
        lines = response.body();
      } catch (IOException | InterruptedException e) {
        throw new AssertionError("watch failed: " + path, e);
      }
      Thread reader = new Thread(() -> {
        try {
          lines.forEach(line -> events.add(Json.parse(line.getBytes(StandardCharsets.UTF_8))));
        } catch (RuntimeException closed) {
          // the test closed the stream
        }
        ended = true;
      }, "watch-reader");
      reader.setDaemon(true);
      reader.start();
    }

    JsonNode next() throws InterruptedException {
      JsonNode event = events.poll(EVENT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      assertTrue(event != null, "no watch event within " + EVENT_DEADLINE);
      return event;
    }

    /** The next event that is not a BOOKMARK. */
    JsonNode nextChange() throws InterruptedException {
      JsonNode event = next();
      return event.path("type").asText().equals("BOOKMARK") ? nextChange() : event;
    }

    JsonNode nextChange(String type, String name) throws InterruptedException {
      JsonNode event = nextChange();
      assertEquals(type + " " + name, event.path("type").asText() + " " + event.at("/object/metadata/name").asText(),
          event.toString());
      return event;
    }

    @Override
    public void close() {
      lines.close();
    }
  }

  @Test
  void aWatchFromAListsResourceVersionSeesTheLaterChangesOnceAndResumesFromAnyEvent() throws Exception {
    String path = "/api/v1/namespaces/watch-list/configmaps";
    for (int i = 0; i < 3; i++) {
      ok(first.client().post(path, admin, configMap("watch-list", "cm-" + i, "web")));
    }
    String listVersion = awaitList(path, 3).at("/metadata/resourceVersion").asText();
    assertNotEquals("", listVersion);

    JsonNode added;
    JsonNode modified;
    try (Watch watch = new Watch(first, path + "?watch=1&resourceVersion=" + listVersion)) {
      ok(first.client().post("/api/v1/namespaces/elsewhere/configmaps", admin, configMap("elsewhere", "cm-x", "web")));
      ok(first.client().post(path, admin, configMap("watch-list", "cm-3", "web")));
      added = watch.nextChange("ADDED", "cm-3");
      assertEquals("v", added.at("/object/data/k").asText());
      ObjectNode changed = configMap("watch-list", "cm-0", "web");
      ((ObjectNode) changed.get("data")).put("k", "changed");
      ok(first.client().put(path + "/cm-0", admin, changed));
      modified = watch.nextChange("MODIFIED", "cm-0");
      assertEquals("changed", modified.at("/object/data/k").asText());
      ok(first.client().delete(path + "/cm-1", admin));
      watch.nextChange("DELETED", "cm-1");
    }

    // an event's resourceVersion is the object's own for updates (409 when stale) and a position to resume from
    String eventVersion = modified.at("/object/metadata/resourceVersion").asText();
    assertTrue(eventVersion.startsWith("2."), eventVersion);
    ObjectNode update = (ObjectNode) modified.get("object").deepCopy();
    ((ObjectNode) update.get("data")).put("k", "again");
    assertEquals("3", ok(first.client().put(path + "/cm-0", admin, update)).text("/metadata/resourceVersion"));
    assertEquals(409, first.client().put(path + "/cm-0", admin, update).code());

    try (Watch resumed = new Watch(second, path + "?watch=true&resourceVersion="
        + encode(added.at("/object/metadata/resourceVersion").asText()))) {
      resumed.nextChange("MODIFIED", "cm-0");
      resumed.nextChange("DELETED", "cm-1");
      JsonNode again = resumed.nextChange("MODIFIED", "cm-0");
      assertEquals("again", again.at("/object/data/k").asText());
    }
    try (Watch resumed = new Watch(second, path + "?watch=true&resourceVersion=" + encode(eventVersion))) {
      resumed.nextChange("DELETED", "cm-1");
    }
  }

  @Test
  void selectorsFollowObjectsInAndOutAndSecretsArriveDecrypted() throws Exception {
    try (Watch secrets = new Watch(second, "/api/v1/secrets?watch=1&labelSelector=" + encode("tier in (db)"));
        Watch byName = new Watch(first, "/api/v1/namespaces?watch=true&fieldSelector="
            + encode("metadata.name=watch-ns-1"))) {
      ObjectNode secret = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Secret");
      secret.putObject("metadata").put("name", "db").putObject("labels").put("tier", "db");
      secret.putObject("stringData").put("password", "correct-horse-battery-staple");
      String secretPath = "/api/v1/namespaces/watch-secrets/secrets";
      ok(first.client().post(secretPath, admin, secret));
      ok(first.client().post(secretPath, admin, configMap("watch-secrets", "web", "web").put("kind", "Secret")
          .without("data")));
      JsonNode added = secrets.nextChange("ADDED", "db");
      assertEquals(first.client().get(secretPath + "/db", admin).json().get("data"), added.at("/object/data"),
          "data as GET serves it");
      assertTrue(added.at("/object/data/password").asText().length() > 0);

      ok(first.client().mergePatch(secretPath + "/db", admin, "{\"metadata\":{\"labels\":{\"tier\":\"web\"}}}"));
      secrets.nextChange("DELETED", "db");
      ok(first.client().mergePatch(secretPath + "/db", admin, "{\"metadata\":{\"labels\":{\"tier\":\"db\"}}}"));
      secrets.nextChange("ADDED", "db");
      ok(first.client().mergePatch(secretPath + "/db", admin, "{\"metadata\":{\"annotations\":{\"a\":\"b\"}}}"));
      secrets.nextChange("MODIFIED", "db");

      for (String name : List.of("watch-ns-0", "watch-ns-1")) {
        ObjectNode namespace = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Namespace");
        namespace.putObject("metadata").put("name", name);
        ok(first.client().post("/api/v1/namespaces", admin, namespace));
      }
      byName.nextChange("ADDED", "watch-ns-1");
      ok(first.client().delete("/api/v1/namespaces/watch-ns-0", admin));
      ok(first.client().delete("/api/v1/namespaces/watch-ns-1", admin));
      byName.nextChange("DELETED", "watch-ns-1");
    }
  }

  @Test
  void withoutAResourceVersionCurrentObjectsComeFirstThenBookmarksAndTheTimeoutEndsIt() throws Exception {
    String path = "/apis/apps/v1/namespaces/watch-current/deployments";
    for (String name : List.of("a", "b")) {
      ObjectNode deployment = configMap("watch-current", name, "web").put("apiVersion", "apps/v1")
          .put("kind", "Deployment").without("data");
      deployment.putObject("spec").put("replicas", 1);
      ok(first.client().post(path, admin, deployment));
    }
    awaitList(path, 2);
    String bookmarkVersion;
    try (Watch watch = new Watch(second, path + "?watch=1&resourceVersion=0&allowWatchBookmarks=true"
        + "&timeoutSeconds=8")) {
      watch.nextChange("ADDED", "a");
      watch.nextChange("ADDED", "b");
      JsonNode bookmark = watch.next();
      assertEquals("BOOKMARK", bookmark.path("type").asText(), bookmark.toString());
      assertEquals("Deployment", bookmark.at("/object/kind").asText());
      bookmarkVersion = bookmark.at("/object/metadata/resourceVersion").asText();
      ok(first.client().delete(path + "/a", admin));
      watch.nextChange("DELETED", "a");
      TestProbe.create(first.hub().system()).awaitAssert(Duration.ofSeconds(15), () -> {
        assertTrue(watch.ended, "timeoutSeconds ends the stream");
        return null;
      });
    }
    try (Watch fromBookmark = new Watch(first, path + "?watch=1&resourceVersion=" + encode(bookmarkVersion))) {
      fromBookmark.nextChange("DELETED", "a");
    }
  }

  @Test
  void aPositionOlderThanTheWindowIsExpired() throws Exception {
    String path = "/api/v1/namespaces/watch-expired/configmaps";
    ok(first.client().post(path, admin, configMap("watch-expired", "busy", "web")));
    String old = awaitList(path, 1).at("/metadata/resourceVersion").asText();
    ObjectNode update = configMap("watch-expired", "busy", "web");
    for (int i = 0; i < 3 * WINDOW; i++) {
      ((ObjectNode) update.get("data")).put("k", "v" + i);
      ok(first.client().put(path + "/busy", admin, update));
    }
    // once the cache has seen the updates, the first of them has left the window of their slice
    TestProbe.create(first.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(500), () -> {
      try (Watch watch = new Watch(first, path + "?watch=1&resourceVersion=" + encode(old))) {
        JsonNode error = watch.next();
        assertEquals("ERROR", error.path("type").asText(), error.toString());
        assertEquals(410, error.at("/object/code").asInt());
        assertEquals("Expired", error.at("/object/reason").asText());
      }
      return null;
    });
    try (Watch watch = new Watch(first, path + "?watch=1&resourceVersion=7")) {
      assertEquals(410, watch.next().at("/object/code").asInt(), "an object's own resourceVersion is no position");
    }
    assertEquals(400, first.client().get(path + "?watch=1&resourceVersion=not-ours", admin).code());
  }

  @Test
  void deleteCollectionDeletesWhatItsSelectorsSelectAndWatchesSeeEachGo() throws Exception {
    String path = "/api/v1/namespaces/watch-collection/configmaps";
    for (String name : List.of("a", "b", "c")) {
      ok(first.client().post(path, admin, configMap("watch-collection", name, name.equals("b") ? "db" : "web")));
    }
    String listVersion = awaitList(path, 3).at("/metadata/resourceVersion").asText();
    JsonNode dryRun = ok(first.client().delete(path + "?dryRun=All&labelSelector=tier%3Dweb", admin)).json();
    assertEquals(2, dryRun.path("items").size(), dryRun.toString());
    assertEquals(200, first.client().get(path + "/a", admin).code(), "a dry run deletes nothing");

    try (Watch watch = new Watch(second, path + "?watch=1&resourceVersion=" + encode(listVersion))) {
      JsonNode deleted = ok(first.client().delete(path + "?labelSelector=tier%3Dweb", admin)).json();
      assertEquals("ConfigMapList", deleted.path("kind").asText());
      assertEquals(List.of("a", "c"), deleted.path("items").findValuesAsText("name"));
      List<String> seen = List.of(watch.nextChange(), watch.nextChange()).stream()
          .map(e -> e.path("type").asText() + " " + e.at("/object/metadata/name").asText()).sorted().toList();
      assertEquals(List.of("DELETED a", "DELETED c"), seen);
    }
    assertEquals(200, first.client().get(path + "/b", admin).code());
    assertEquals(405, first.client().delete("/api/v1/configmaps", admin).code(), "not across namespaces, as kube");
  }

  @ParameterizedTest
  @MethodSource("io.flotilla.hub.Kubectl#underTest")
  void kubectlGetWatchPrintsALaterChange(String which) throws Exception {
    Kubectl kubectl = Kubectl.require(which);
    String namespace = "watch-kubectl-" + (which.equals("PATH") ? "a" : "b");
    String path = "/apis/apps/v1/namespaces/" + namespace + "/deployments";
    ObjectNode deployment = configMap(namespace, "before", "web").put("apiVersion", "apps/v1")
        .put("kind", "Deployment").without("data");
    ok(first.client().post(path, admin, deployment));
    awaitList(path, 1);

    Path out = Files.createTempFile("kubectl-watch", ".out");
    Process process = new ProcessBuilder(kubectl.binary().toString(), "--kubeconfig", first.home().kubeconfig().toString(),
        "get", "deploy", "-n", namespace, "-w").redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      TestProbe<Void> probe = TestProbe.create(first.hub().system());
      probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(200), () -> {
        assertTrue(Files.readString(out).contains("before"), Files.readString(out));
        return null;
      });
      ok(first.client().post(path, admin, configMap(namespace, "after", "web").put("apiVersion", "apps/v1")
          .put("kind", "Deployment").without("data")));
      probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(200), () -> {
        List<String> lines = Files.readAllLines(out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("after ")), String.join("\n", lines));
        assertEquals(1, lines.stream().filter(l -> l.startsWith("before ")).count(), String.join("\n", lines));
        return null;
      });
      assertTrue(process.isAlive(), "kubectl still watching: " + Files.readString(out));
    } finally {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
      Files.deleteIfExists(out);
    }
  }
}
