package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.NotUsed;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.ws.BinaryMessage;
import akka.http.javadsl.model.ws.Message;
import akka.http.javadsl.model.ws.TextMessage;
import akka.http.javadsl.server.AllDirectives;
import akka.stream.Materializer;
import akka.stream.javadsl.Flow;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.flotilla.api.Json;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.Kubectl;
import io.flotilla.hub.TestHubs;
import io.flotilla.hub.security.HubHome;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tunnel end to end: a real hub (embedded Cassandra), sandbox child API servers and in-process
 * agents; kubectl and client-java talk to the child through the hub's proxy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TunnelEndToEndTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final Duration WITHIN = Duration.ofSeconds(45);
  static final Agent.Timing FAST = new Agent.Timing(Duration.ofMillis(200), Duration.ofMillis(200),
      Duration.ofMillis(200));

  @TempDir
  static Path home;
  TestHubs.Running running;
  HubHome hubHome;
  HubClient client;
  Path caFile;
  final List<AutoCloseable> closeAtEnd = new ArrayList<>();
  /** The child all read-only tests share. */
  Connected shared;

  record Connected(SandboxApiServer server, ApiClient childClient, Agent agent, String clusterId,
      ParentCredential credential) {}

  @BeforeAll
  void start() throws Exception {
    running = TestHubs.start(cassandra, home);
    hubHome = running.home();
    client = running.client();
    caFile = Files.writeString(home.resolve("hub-ca.crt"), hubHome.caCertificatePem());
    shared = connected();
  }

  @AfterAll
  void stop() throws Exception {
    for (int i = closeAtEnd.size() - 1; i >= 0; i--) {
      closeAtEnd.get(i).close();
    }
    running.close();
  }

  /** A fresh sandbox child with 3 nodes and an agent whose tunnel is up. */
  Connected connected() throws Exception {
    SandboxApiServer server = SandboxApiServer.startSeeded(0, 3);
    closeAtEnd.add(server);
    Path kubeconfig = server.writeKubeconfig(Files.createTempDirectory(home, "child").resolve("kubeconfig"));
    ApiClient childClient = ChildClients.fromKubeconfig(kubeconfig);
    Agent agent = agent(kubeconfig, childClient);
    Poll.until(WITHIN, () -> assertTrue(agent.tunnel().map(t -> t.connected()).orElse(false), "tunnel up"));
    String clusterId = agent.clusterId().orElseThrow();
    Poll.until(WITHIN, () -> assertEquals(200, client.get(proxy(clusterId, "/version"), hubHome.adminToken()).code()));
    return new Connected(server, childClient, agent, clusterId, agent.credential().orElseThrow());
  }

  Agent agent(Path kubeconfig, ApiClient childClient) throws Exception {
    Agent agent = new Agent(AgentOptions.parse(
        "--cluster-reg-parent-url", "https://127.0.0.1:" + running.hub().port(),
        "--cluster-reg-token", hubHome.bootstrapToken(),
        "--parent-ca-file", caFile.toString(),
        "--kubeconfig", kubeconfig.toString(),
        "--cluster-status-update-frequency", "1s"), childClient, FAST);
    closeAtEnd.add(agent);
    agent.start();
    return agent;
  }

  static String socket(String clusterId) {
    return "/apis/proxies.clusternet.io/v1alpha1/sockets/" + clusterId;
  }

  static String proxy(String clusterId, String path) {
    return socket(clusterId) + "/proxy/direct" + path;
  }

  String proxyUrl(String clusterId) {
    return "https://127.0.0.1:" + running.hub().port() + proxy(clusterId, "");
  }

  Path proxyKubeconfig(String clusterId) throws Exception {
    String ca = Base64.getEncoder().encodeToString(hubHome.caCertificatePem().getBytes(StandardCharsets.UTF_8));
    return Files.writeString(Files.createTempFile(home, "proxy", ".kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters:
        - name: child
          cluster:
            server: %s
            certificate-authority-data: %s
        users:
        - name: admin
          user:
            token: %s
        contexts:
        - name: child
          context: {cluster: child, user: admin, namespace: default}
        current-context: child
        """.formatted(proxyUrl(clusterId), ca, hubHome.adminToken()));
  }

  JsonNode managedCluster(ParentCredential credential) {
    HubClient.Reply reply = client.get("/apis/clusters.clusternet.io/v1beta1/namespaces/" + credential.namespace()
        + "/managedclusters/" + credential.clusterName(), hubHome.adminToken());
    assertEquals(200, reply.code(), reply.body());
    return reply.json();
  }

  static String condition(JsonNode cluster, String type) {
    for (JsonNode condition : cluster.at("/status/conditions")) {
      if (condition.path("type").asText().equals(type)) {
        return condition.path("status").asText();
      }
    }
    return "";
  }

  @Test
  void kubectlWorksThroughTheProxy() throws Exception {
    Kubectl kubectl = Kubectl.onPath().orElse(null);
    Assumptions.assumeTrue(kubectl != null, "kubectl on PATH");
    Path kubeconfig = proxyKubeconfig(shared.clusterId());

    Kubectl.Result nodes = kubectl.run(kubeconfig, "get", "nodes");
    assertEquals(0, nodes.exitCode(), nodes.err());
    assertEquals(4, nodes.out().strip().lines().count(), nodes.out()); // header + 3 nodes
    // the same through the kubectl plugin, with the hub's own kubeconfig: `kubectl clusternet --cluster-id`
    Kubectl.Result viaPlugin = kubectl.runPlugin(hubHome.kubeconfig(), "clusternet", "--cluster-id",
        shared.clusterId(), "get", "nodes", "-o", "name");
    assertEquals(0, viaPlugin.exitCode(), viaPlugin.err());
    assertEquals("node/sandbox-node-0\nnode/sandbox-node-1\nnode/sandbox-node-2", viaPlugin.out().strip());
    Kubectl.Result pods = kubectl.run(kubeconfig, "get", "pods", "-A");
    assertEquals(0, pods.exitCode(), pods.err());
    assertTrue(pods.out().startsWith("NAMESPACE"), pods.out());

    Path deployment = Files.writeString(home.resolve("deployment.yaml"), """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: default}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: nginx:1.27}]}
        """);
    Kubectl.Result applied = kubectl.run(kubeconfig, "apply", "-f", deployment.toString());
    assertEquals(0, applied.exitCode(), applied.err());
    assertTrue(applied.out().contains("deployment.apps/web created"), applied.out());
    Kubectl.Result again = kubectl.run(kubeconfig, "apply", "-f", deployment.toString());
    assertTrue(again.out().contains("unchanged"), again.out() + again.err());
    Kubectl.Result got = kubectl.run(kubeconfig, "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}");
    assertEquals("2", got.out(), got.err());

    // a watch streams through the tunnel: it lists the pod there was, then sees one created after it started
    String pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, namespace: default}
        spec: {containers: [{name: c, image: busybox}]}
        """;
    Path early = Files.writeString(home.resolve("early.yaml"), pod.formatted("early-pod"));
    assertEquals(0, kubectl.run(kubeconfig, "apply", "-f", early.toString()).exitCode());
    Path out = Files.createTempFile(home, "watch", ".out");
    Process watch = new ProcessBuilder(kubectl.binary().toString(), "--kubeconfig", kubeconfig.toString(),
        "get", "pods", "-w").redirectOutput(out.toFile()).redirectErrorStream(true).start();
    try {
      Poll.until(WITHIN, () -> assertTrue(Files.readString(out).contains("early-pod"), Files.readString(out)));
      Path late = Files.writeString(home.resolve("late.yaml"), pod.formatted("late-pod"));
      Kubectl.Result created = kubectl.run(kubeconfig, "apply", "-f", late.toString());
      assertEquals(0, created.exitCode(), created.err());
      Poll.until(WITHIN, () -> assertTrue(Files.readString(out).contains("late-pod"), Files.readString(out)));
      assertTrue(watch.isAlive(), "the watch is still open");
    } finally {
      watch.destroy();
      watch.waitFor(10, TimeUnit.SECONDS);
    }
    // the client went away: the hub resets the stream and the agent ends the child's watch
    Poll.until(WITHIN, () -> assertEquals(0, shared.agent().tunnel().orElseThrow().openStreams()));
  }

  @Test
  void aTenMegabyteConfigMapRoundTripsByteForByte() throws Exception {
    ApiClient proxied = ClientBuilder.standard()
        .setBasePath(proxyUrl(shared.clusterId()))
        .setCertificateAuthority(hubHome.caCertificatePem().getBytes(StandardCharsets.UTF_8))
        .setAuthentication(new AccessTokenAuthentication(hubHome.adminToken()))
        .build();
    proxied.setReadTimeout(60_000);
    proxied.setWriteTimeout(60_000);
    byte[] payload = new byte[10 * 1024 * 1024];
    new Random(42).nextBytes(payload);
    CoreV1Api core = new CoreV1Api(proxied);
    long started = System.nanoTime();
    core.createNamespacedConfigMap("default", new V1ConfigMap()
        .metadata(new V1ObjectMeta().name("big"))
        .binaryData(Map.of("blob", payload))).execute();
    V1ConfigMap back = core.readNamespacedConfigMap("big", "default").execute();
    System.out.printf("10 MiB ConfigMap written and read through the tunnel in %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    assertArrayEquals(payload, back.getBinaryData().get("blob"));
    // and the child really holds it
    V1ConfigMap direct = new CoreV1Api(shared.childClient()).readNamespacedConfigMap("big", "default").execute();
    assertArrayEquals(payload, direct.getBinaryData().get("blob"));
  }

  @Test
  void theProxyChecksWhoAsksAndWhichCluster() throws Exception {
    String nodes = proxy(shared.clusterId(), "/api/v1/nodes");
    assertEquals(200, client.get(nodes, hubHome.adminToken()).code());
    HubClient.Reply asCluster = client.get(nodes, shared.credential().token());
    assertEquals(403, asCluster.code(), asCluster.body());
    assertEquals("Status", asCluster.json().path("kind").asText());
    assertEquals(401, client.get(nodes, null).code());
    assertEquals(401, client.get(nodes, "not-a-token").code());
    String unknown = UUID.randomUUID().toString();
    HubClient.Reply missing = client.get(proxy(unknown, "/api/v1/nodes"), hubHome.adminToken());
    assertEquals(404, missing.code(), missing.body());
    assertTrue(missing.json().path("message").asText().contains(unknown), missing.body());
    // the socket itself takes only the cluster's own token
    assertEquals(403, client.get(socket(shared.clusterId()), hubHome.adminToken()).code());
    assertEquals(401, client.get(socket(shared.clusterId()), null).code());
    // query strings and the child's errors pass through untouched
    HubClient.Reply selected = client.get(proxy(shared.clusterId(), "/api/v1/nodes?limit=1"), hubHome.adminToken());
    assertEquals(1, selected.json().path("items").size(), selected.body());
    HubClient.Reply absent = client.get(proxy(shared.clusterId(), "/api/v1/namespaces/default/pods/nope"),
        hubHome.adminToken());
    assertEquals(404, absent.code(), absent.body());
    assertEquals("NotFound", absent.json().path("reason").asText(), absent.body());

    JsonNode cluster = managedCluster(shared.credential());
    assertTrue(cluster.at("/status/useSocket").asBoolean(), cluster.toString());
    assertEquals("True", condition(cluster, "Connected"), cluster.toString());

    // the hub's metrics saw the tunnel and what went through it (other tests' agents may be connected too)
    String metrics = client.get("/metrics", hubHome.viewerToken()).body();
    assertTrue(metrics.lines().anyMatch(l -> l.matches("flotilla_tunnel_sessions [1-9][0-9]*\\.0")), metrics);
    assertTrue(metrics.lines().anyMatch(l -> l.startsWith("flotilla_proxy_requests_total{code=\"404\"} ")), metrics);
    assertTrue(metrics.lines().anyMatch(l -> l.startsWith("flotilla_proxy_requests_total{code=\"200\"} ")), metrics);
  }

  /** proxy/<scheme>/<host:port>/<path>: any address the agent reaches, here a server that echoes what it got. */
  @Test
  void anExplicitAddressGetsTheRequestWithTheChildTokenAndWithoutHopByHopHeaders() throws Exception {
    HttpServer echo = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    echo.createContext("/", exchange -> {
      Map<String, Object> seen = new LinkedHashMap<>();
      seen.put("method", exchange.getRequestMethod());
      seen.put("uri", exchange.getRequestURI().toString());
      exchange.getRequestHeaders().forEach((name, values) -> seen.put(name.toLowerCase(), values.get(0)));
      seen.put("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      byte[] body = Json.write(seen);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.getResponseHeaders().add("X-Echo", "yes");
      exchange.sendResponseHeaders(202, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    echo.start();
    try {
      String path = socket(shared.clusterId()) + "/proxy/http/127.0.0.1:" + echo.getAddress().getPort()
          + "/some/path?a=1&b=%20x";
      HubClient.Reply reply = client.send(client.request(path, hubHome.adminToken())
          .header("Impersonate-Extra-Clusternet-Token", "child-secret")
          .header("X-Custom", "kept")
          .header("Content-Type", "application/merge-patch+json")
          .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{\"spec\":{}}")));
      assertEquals(202, reply.code(), reply.body());
      JsonNode seen = reply.json();
      assertEquals("PATCH", seen.path("method").asText());
      assertEquals("/some/path?a=1&b=%20x", seen.path("uri").asText());
      assertEquals("Bearer child-secret", seen.path("authorization").asText(), "the child token, not the hub's");
      assertEquals("kept", seen.path("x-custom").asText());
      assertEquals("application/merge-patch+json", seen.path("content-type").asText());
      assertEquals("{\"spec\":{}}", seen.path("body").asText());
      assertTrue(seen.path("impersonate-extra-clusternet-token").isMissingNode(), seen.toString());
    } finally {
      echo.stop(0);
    }
  }

  /**
   * A WebSocket upgrade through the proxy (how kubectl 1.30+ runs exec, attach and port-forward):
   * the subprotocol the target chose comes back, text and a 1 MiB binary message cross the tunnel
   * both ways intact, a close ends it, and an upgrade the target refuses gets the target's answer.
   */
  @Test
  void aWebSocketUpgradePassesThroughBothWays() throws Exception {
    String protocol = "v5.channel.k8s.io";
    Flow<Message, Message, NotUsed> echo = Flow.<Message>create()
        .mapAsync(1, message -> message.isText()
            ? message.asTextMessage().toStrict(5000, Materializer.matFromSystem(running.hub().system()))
                .thenApply(text -> (Message) TextMessage.create(text.getStrictText().toUpperCase()))
            : message.asBinaryMessage().toStrict(5000, Materializer.matFromSystem(running.hub().system()))
                .thenApply(binary -> (Message) BinaryMessage.create(binary.getStrictData())));
    ServerBinding target = Http.get(running.hub().system()).newServerAt("127.0.0.1", 0)
        .bind(new AllDirectives() { }.path("echo", () -> new AllDirectives() { }
            .handleWebSocketMessagesForProtocol(echo, protocol)))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    try {
      String base = "wss://127.0.0.1:" + running.hub().port() + socket(shared.clusterId()) + "/proxy/http/127.0.0.1:"
          + target.localAddress().getPort();
      java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(hubHome.clientSslContext())
          .build();
      Received received = new Received();
      WebSocket socket = http.newWebSocketBuilder().header("Authorization", "Bearer " + hubHome.adminToken())
          .subprotocols(protocol).buildAsync(URI.create(base + "/echo"), received).get(30, TimeUnit.SECONDS);
      assertEquals(protocol, socket.getSubprotocol());

      socket.sendText("hello through the tunnel", true).get(10, TimeUnit.SECONDS);
      assertEquals("HELLO THROUGH THE TUNNEL", received.messages.poll(30, TimeUnit.SECONDS));
      byte[] mebibyte = new byte[1024 * 1024];
      new Random(7).nextBytes(mebibyte);
      socket.sendBinary(ByteBuffer.wrap(mebibyte), true).get(10, TimeUnit.SECONDS);
      assertArrayEquals(mebibyte, (byte[]) received.messages.poll(30, TimeUnit.SECONDS));

      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
      assertEquals("closed", received.messages.poll(30, TimeUnit.SECONDS));

      ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> http
          .newWebSocketBuilder().header("Authorization", "Bearer " + hubHome.adminToken()).subprotocols(protocol)
          .buildAsync(URI.create(base + "/nope"), new Received()).get(30, TimeUnit.SECONDS));
      assertTrue(refused.getCause() instanceof WebSocketHandshakeException handshake
          && handshake.getResponse().statusCode() == 404, String.valueOf(refused.getCause()));
    } finally {
      target.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** A WebSocket client's whole messages (String or byte[]) and its close ("closed"), in order. */
  static final class Received implements WebSocket.Listener {
    final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    private final StringBuilder text = new StringBuilder();
    private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        messages.add(text.toString());
        text.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      binary.writeBytes(bytes);
      if (last) {
        messages.add(binary.toByteArray());
        binary.reset();
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      messages.add("closed");
      return null;
    }
  }

  @Test
  void aDisconnectedClusterAnswers503AndARestartedAgentServesAgain() throws Exception {
    Connected child = connected();
    child.agent().close();
    String path = proxy(child.clusterId(), "/api/v1/nodes");
    Poll.until(WITHIN, () -> {
      HubClient.Reply reply = client.get(path, hubHome.adminToken());
      assertEquals(503, reply.code(), reply.body());
      assertTrue(reply.json().path("message").asText().contains(child.clusterId()), reply.body());
    });
    JsonNode cluster = managedCluster(child.credential());
    assertTrue(!cluster.at("/status/useSocket").asBoolean(), cluster.toString());
    assertEquals("Unknown", condition(cluster, "Connected"), cluster.toString());

    Path kubeconfig = child.server().writeKubeconfig(Files.createTempDirectory(home, "again").resolve("kubeconfig"));
    Agent again = agent(kubeconfig, ChildClients.fromKubeconfig(kubeconfig));
    Poll.until(WITHIN, () -> assertEquals(200, client.get(path, hubHome.adminToken()).code()));
    assertEquals(0, again.registrationPosts(), "the stored credential is reused");
    Poll.until(WITHIN, () -> assertEquals("True", condition(managedCluster(child.credential()), "Connected")));
  }
}
