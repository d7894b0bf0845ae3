package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.flotilla.api.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pull against a hub whose lists lag its watches (the index is eventually consistent, and behind a
 * load balancer the list and the watch may come from different nodes): a list that lacks a Description
 * the hub still has must not delete its objects from the child, and a list carrying an older generation
 * than the watch delivered must not roll the child back. The hub here is scripted: each list and watch
 * answers what the test queued, a GET answers what the hub "really" has.
 */
class DescriptionSyncTest {
  static final String NS = "clusternet-abcde";
  static final String PATH = "/apis/apps.clusternet.io/v1alpha1/namespaces/" + NS + "/descriptions";

  HttpServer server;
  final BlockingQueue<String> lists = new LinkedBlockingQueue<>();
  final BlockingQueue<List<String>> watches = new LinkedBlockingQueue<>();
  /** What a GET of "web" answers: the Description, or null for 404. */
  final AtomicReference<ObjectNode> current = new AtomicReference<>();
  final List<String> applied = new CopyOnWriteArrayList<>();
  final List<String> removed = new CopyOnWriteArrayList<>();
  final AtomicBoolean closed = new AtomicBoolean();
  Thread sync;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(PATH, this::serve);
    server.start();
    DescriptionSync.Deployer deployer = new DescriptionSync.Deployer(description -> {
      applied.add(description.at("/metadata/name").asText() + "@" + description.at("/metadata/generation").asLong());
      return Json.MAPPER.createObjectNode().put("phase", "Success");
    }, description -> removed.add(description.at("/metadata/name").asText()));
    HubDescriptions hub = new HubDescriptions(URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
        sslContext());
    DescriptionSync descriptions = new DescriptionSync(hub, () -> "token", NS, Map.of("Generic", deployer),
        Duration.ofMillis(50), Duration.ofSeconds(1), false, closed::get);
    sync = new Thread(() -> {
      try {
        descriptions.run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    sync.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    closed.set(true);
    lists.add(list());
    watches.add(List.of());
    sync.join(10_000);
    server.stop(0);
  }

  @Test
  void aDescriptionMissingFromALaggingListIsKeptUntilTheHubSaysItIsGone() throws Exception {
    ObjectNode web = description("uid-1", 1);
    current.set(web);
    lists.add(list(web));
    watches.add(List.of());
    Poll.until(Duration.ofSeconds(10), () -> assertEquals(List.of("web@1"), applied));

    lists.add(list()); // the index has not caught up, the Description is still there
    watches.add(List.of());
    lists.add(list());
    awaitTaken(lists);
    assertEquals(List.of(), removed);

    current.set(null); // now it is gone for real
    watches.add(List.of());
    lists.add(list());
    watches.add(List.of());
    Poll.until(Duration.ofSeconds(10), () -> assertEquals(List.of("web"), removed));
  }

  @Test
  void aListOlderThanTheWatchDoesNotRollTheChildBack() throws Exception {
    ObjectNode first = description("uid-1", 1);
    ObjectNode second = description("uid-1", 2);
    current.set(second);
    lists.add(list(first));
    watches.add(List.of(event("MODIFIED", second)));
    Poll.until(Duration.ofSeconds(10), () -> assertEquals(List.of("web@1", "web@2"), applied));

    lists.add(list(first)); // a lagging index still has generation 1
    watches.add(List.of());
    lists.add(list(first));
    awaitTaken(lists);
    assertEquals(List.of("web@1", "web@2"), applied);

    ObjectNode recreated = description("uid-2", 1); // deleted and created again: a new object, deployed
    current.set(recreated);
    watches.add(List.of());
    lists.add(list(recreated));
    watches.add(List.of());
    Poll.until(Duration.ofSeconds(10), () -> assertEquals(List.of("web@1", "web@2", "web@1"), applied));
  }

  /** Waits until the sync has taken every queued answer (it took the last list: the one before is handled). */
  private static void awaitTaken(BlockingQueue<?> queue) throws Exception {
    Poll.until(Duration.ofSeconds(10), () -> assertEquals(0, queue.size()));
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String query = exchange.getRequestURI().getQuery();
      String body;
      int code = 200;
      if (path.equals(PATH + "/web")) {
        ObjectNode now = current.get();
        code = now == null ? 404 : 200;
        body = now == null ? "{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\"}" : now.toString();
      } else if (path.endsWith("/status")) {
        body = "{}";
      } else if (query != null && query.contains("watch=true")) {
        List<String> events = watches.poll(10, TimeUnit.SECONDS);
        body = events == null ? "" : String.join("\n", events);
      } else {
        body = lists.poll(10, TimeUnit.SECONDS);
        if (body == null) {
          body = list();
        }
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
      exchange.getResponseBody().write(bytes);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ObjectNode description(String uid, long generation) {
    ObjectNode description = Json.MAPPER.createObjectNode()
        .put("apiVersion", "apps.clusternet.io/v1alpha1").put("kind", "Description");
    description.putObject("metadata").put("name", "web").put("namespace", NS).put("uid", uid)
        .put("generation", generation).put("resourceVersion", String.valueOf(generation));
    description.putObject("spec").put("deployer", "Generic");
    return description;
  }

  private static String list(ObjectNode... items) {
    ObjectNode list = Json.MAPPER.createObjectNode().put("kind", "DescriptionList");
    list.putObject("metadata").put("resourceVersion", "1");
    for (ObjectNode item : items) {
      list.withArray("items").add(item);
    }
    return list.toString();
  }

  private static String event(String type, ObjectNode object) {
    ObjectNode event = Json.MAPPER.createObjectNode().put("type", type);
    event.set("object", object);
    return event.toString();
  }

  private static SSLContext sslContext() {
    try {
      return SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
