package io.flotilla.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.TestHubs;
import io.flotilla.hub.TokenMain;
import io.flotilla.hub.security.HubHome;
import io.flotilla.hub.security.Secrets;
import io.flotilla.k8s.agent.Agent;
import io.flotilla.k8s.agent.AgentOptions;
import io.flotilla.k8s.agent.ChildClients;
import io.flotilla.k8s.agent.CredentialStore;
import io.flotilla.k8s.agent.Deployers;
import io.flotilla.k8s.agent.ParentCredential;
import io.flotilla.k8s.agent.Poll;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.MarkerFactory;

/**
 * "No token ever in a log line": a real hub (embedded Cassandra) and real agents against sandbox
 * child API servers go through everything that handles a token while every log event of the JVM,
 * at DEBUG, is captured ({@link LogCapture}); then no token known at the end may show in any of
 * them, whole, by its secret part, its first 12 characters, in base64 or in hex.
 *
 * <p>The scenario: hub start (admin, viewer and bootstrap tokens generated, then reused by the
 * second open of the home), agents registering with the bootstrap token and getting their cluster
 * tokens (Pull and Push), the registration requests read back (they carry the cluster token), a
 * cluster registered by hand and its heartbeat, heartbeats and tunnels of the agents, proxied
 * requests with the admin token (one carrying a child token in Impersonate-Extra-Clusternet-Token),
 * the viewer token, wrong tokens of every shape (401) and tokens used where they are not allowed
 * (403), an agent with a wrong bootstrap token, {@code flotilla token create/list/revoke} and the
 * created tokens registering until revoked, an app delivered by Pull (the agent's cluster token)
 * and by Push (the hub's plugin with the admin token, through the tunnel), deregistration (the
 * token stops working and the agent registers again: a new cluster token) and an agent restarted
 * on its stored credential.
 */
class TokensNotLoggedTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final Duration WITHIN = Duration.ofSeconds(60);
  static final String CLUSTERS = "/apis/clusters.clusternet.io/v1beta1";
  static final String APPS = "/apis/apps.clusternet.io/v1alpha1";
  static final Path EXAMPLES = Path.of("..", "examples", "app-demo").toAbsolutePath().normalize();
  /** Quick retries, a 2 s Description resync (as the delivery tests). */
  static final Agent.Timing FAST = new Agent.Timing(Duration.ofMillis(200), Duration.ofMillis(200),
      Duration.ofMillis(200), Duration.ofSeconds(2));
  /**
   * Akka's own events at DEBUG through akka.event.slf4j.Slf4jLogger (its Slf4jLoggingFilter also
   * asks logback, lowered by LogCapture), unhandled messages (logged with their contents) and every
   * dead letter, also during shutdown.
   */
  static final Config AKKA_DEBUG = ConfigFactory.parseMap(Map.of(
      "akka.loglevel", "DEBUG",
      "akka.actor.debug.unhandled", "on",
      "akka.log-dead-letters", "on",
      "akka.log-dead-letters-during-shutdown", "on"));

  @TempDir
  Path home;

  /** One sandbox child cluster and its agent. */
  record Child(String name, SandboxApiServer server, Path kubeconfig, ApiClient client, AgentOptions options,
      Agent[] slot) implements AutoCloseable {
    Agent agent() {
      return slot[0];
    }

    ParentCredential credential() {
      return agent().credential().orElseThrow();
    }

    String clusterId() {
      return agent().clusterId().orElseThrow();
    }

    @Override
    public void close() {
      if (slot[0] != null) {
        slot[0].close();
      }
      server.close();
    }
  }

  @Test
  void noTokenOfAnyKindIsEverLogged() throws Exception {
    Map<String, String> tokens = new LinkedHashMap<>();
    long started = System.nanoTime();
    List<LogCapture.Event> events;
    long debug;
    try (LogCapture capture = LogCapture.open()) {
      scenario(tokens);
      events = capture.events();
      debug = capture.count(Level.DEBUG);
    }
    long scenarioMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    // every token the hub's home holds at the end, and its other secrets (they must not show either)
    Path hubDir = home.resolve("hub");
    for (String file : List.of("admin-token", "bootstrap-token", "viewer-token", "remoting-keystore-password")) {
      if (Files.exists(hubDir.resolve(file))) {
        put(tokens, "hub file " + file, Files.readString(hubDir.resolve(file), StandardCharsets.US_ASCII).strip());
      }
    }
    for (String kubeconfig : List.of("admin.kubeconfig", "viewer.kubeconfig")) {
      put(tokens, "token in " + kubeconfig, kubeconfigToken(hubDir.resolve(kubeconfig)));
    }
    byte[] key = Files.readAllBytes(hubDir.resolve("secret.key"));
    put(tokens, "secret.key (base64)", Base64.getEncoder().encodeToString(key));
    put(tokens, "secret.key (hex)", HexFormat.of().formatHex(key));

    long scan = System.nanoTime();
    List<LogCapture.Leak> leaks = LogCapture.leaks(events, tokens);
    System.out.printf("TokensNotLoggedTest: %d secrets (%s) checked against %d log events (%d at DEBUG) in %d ms;"
            + " scenario %d ms%n", tokens.size(), String.join(", ", tokens.keySet()), events.size(), debug,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - scan), scenarioMillis);

    assertTrue(events.size() > 50, "too few log events captured for the check to mean anything: " + events.size());
    assertTrue(debug > 0, "no DEBUG event captured: debug lines would go unchecked");
    assertTrue(events.stream().anyMatch(e -> e.logger().startsWith("akka") && e.level().equals(Level.DEBUG)),
        "Akka's own DEBUG events were not captured");
    assertTrue(events.stream().anyMatch(e -> e.logger().startsWith("io.flotilla.k8s.agent")),
        "the agents' events were not captured");
    assertTrue(events.stream().anyMatch(e -> e.logger().startsWith("io.flotilla.hub")),
        "the hub's events were not captured");
    assertNoLeaks(leaks);
  }

  static void assertNoLeaks(List<LogCapture.Leak> leaks) {
    if (!leaks.isEmpty()) {
      fail(leaks.size() + " log event(s) carry a token:\n" + String.join("\n", leaks.stream()
          .map(LogCapture.Leak::toString).limit(20).toList()));
    }
  }

  private static void put(Map<String, String> tokens, String name, String value) {
    assertTrue(value != null && !value.isBlank(), name + " is empty");
    if (!tokens.containsValue(value)) {
      tokens.put(name, value);
    }
  }

  private void scenario(Map<String, String> tokens) throws Exception {
    Config config = AKKA_DEBUG.withFallback(TestHubs.config(cassandra));
    try (TestHubs.Running running = TestHubs.start(home, config)) {
      HubHome hubHome = running.home();
      HubClient hub = running.client();
      String admin = hubHome.adminToken();
      String bootstrap = hubHome.bootstrapToken();
      put(tokens, "admin token", admin);
      put(tokens, "bootstrap token", bootstrap);
      put(tokens, "viewer token", hubHome.viewerToken());
      Path caFile = Files.writeString(home.resolve("hub-ca.crt"), hubHome.caCertificatePem());
      String parent = "https://127.0.0.1:" + running.hub().port();

      List<AutoCloseable> children = new ArrayList<>();
      try {
        // agents register with the bootstrap token: one pulls its Descriptions, the hub pushes to the other
        Child pull = child("pull", parent, caFile, bootstrap, true, "--cluster-sync-mode", "Pull");
        children.add(pull);
        put(tokens, "child API server token (the agents' kubeconfig)", kubeconfigToken(pull.kubeconfig()));
        Child push = child("push", parent, caFile, bootstrap, false, "--cluster-sync-mode", "Push");
        children.add(push);
        for (Child child : List.of(pull, push)) {
          Poll.until(WITHIN, () -> assertTrue(child.agent().tunnel().map(t -> t.connected()).orElse(false),
              child.name() + ": registered, tunnel up"));
          long reports = child.agent().reportsSent();
          Poll.until(WITHIN, () -> assertTrue(child.agent().reportsSent() >= reports + 2, child.name() + " heartbeats"));
          put(tokens, child.name() + " agent's cluster token", child.credential().token());
          // the registration request hands the token back to the bootstrap-token holder
          HubClient.Reply crr = hub.get(CLUSTERS + "/clusterregistrationrequests/clusternet-" + child.clusterId(),
              bootstrap);
          assertEquals(200, crr.code(), crr.body());
          assertEquals(child.credential().token(), crr.text("/status/token"));
        }

        // a cluster registered by hand, and its heartbeat with its own token
        HubClient.Reply registered = hub.register(bootstrap, Map.of("shop", "lyon"));
        assertEquals(201, registered.code(), registered.body());
        String byHandName = registered.text("/metadata/name");
        Poll.until(WITHIN, () -> assertFalse(hub.get(CLUSTERS + "/clusterregistrationrequests/" + byHandName, bootstrap)
            .text("/status/token").isEmpty()));
        JsonNode byHand = hub.get(CLUSTERS + "/clusterregistrationrequests/" + byHandName, bootstrap).json();
        String byHandToken = byHand.at("/status/token").asText();
        put(tokens, "cluster token registered by hand", byHandToken);
        String byHandPath = HubClient.managedClusterPath(byHand);
        assertEquals(200, hub.put(byHandPath + "/status", byHandToken, HubClient.statusReport(byHand, "v1.30.2")).code());
        assertEquals(200, hub.get(byHandPath, byHandToken).code());

        // proxied requests through the tunnel with the admin token; a child token passed on to the child
        String nodes = proxy(pull.clusterId(), "/api/v1/nodes");
        assertEquals(200, hub.get(nodes, admin).code());
        String impersonated = "child-" + Secrets.randomToken(24);
        put(tokens, "Impersonate-Extra-Clusternet-Token", impersonated);
        HubClient.Reply passedOn = hub.send(hub.request(proxy(push.clusterId(), "/api/v1/namespaces"), admin)
            .header("Impersonate-Extra-Clusternet-Token", impersonated).GET());
        assertEquals(200, passedOn.code(), passedOn.body());
        // tokens where they are not allowed: 403
        assertEquals(403, hub.get(nodes, hubHome.viewerToken()).code());
        assertEquals(403, hub.get(nodes, pull.credential().token()).code());
        assertEquals(403, hub.get(nodes, bootstrap).code());
        assertEquals(403, hub.get(socket(pull.clusterId()), admin).code());
        assertEquals(403, hub.get(byHandPath, push.credential().token()).code());
        assertEquals(200, hub.get("/metrics", hubHome.viewerToken()).code());
        assertEquals(200, hub.get(CLUSTERS + "/managedclusters", hubHome.viewerToken()).code());
        assertEquals(403, hub.delete(byHandPath, hubHome.viewerToken()).code());

        // wrong tokens of every shape: 401, from the API, the status endpoint, the socket and registration
        Map<String, String> wrong = new LinkedHashMap<>();
        wrong.put("wrong admin-like token", Secrets.randomToken(32));
        wrong.put("wrong cluster token (real cluster ID)", pull.clusterId() + "." + Secrets.randomToken(32));
        wrong.put("wrong bootstrap token (unknown id)", Secrets.newBootstrapToken());
        wrong.put("wrong bootstrap token (the hub's id)", bootstrap.substring(0, 7) + Secrets.newBootstrapToken()
            .substring(7));
        wrong.put("malformed token", Secrets.randomToken(18) + " is not; a=\"token\"");
        wrong.forEach((name, value) -> put(tokens, name, value));
        for (Map.Entry<String, String> token : wrong.entrySet()) {
          String name = token.getKey();
          String value = token.getValue();
          assertEquals(401, hub.get(CLUSTERS + "/managedclusters", value).code(), name);
          assertEquals(401, hub.get(nodes, value).code(), name);
          assertEquals(401, hub.get(socket(pull.clusterId()), value).code(), name);
          assertEquals(401, hub.put(byHandPath + "/status", value, HubClient.statusReport(byHand, "v1.30.2")).code(),
              name);
          assertEquals(401, hub.register(value, Map.of()).code(), name);
        }
        assertEquals(401, hub.get(CLUSTERS + "/managedclusters", null).code());

        // an agent with a wrong bootstrap token: refused, it keeps trying (and logging that it is refused)
        String wrongBootstrap = Secrets.newBootstrapToken();
        put(tokens, "wrong bootstrap token of an agent", wrongBootstrap);
        Child refused = child("refused", parent, caFile, wrongBootstrap, false);
        children.add(refused);
        Poll.until(WITHIN, () -> assertTrue(refused.agent().registrationPosts() >= 3, "the agent retried"));
        assertTrue(refused.agent().credential().isEmpty());
        refused.close();

        // bootstrap tokens as kube-system Secrets: flotilla token create, list, revoke
        String created = tokenCommand("create", "--ttl", "1h", "--description", "tokens-not-logged").strip();
        put(tokens, "created bootstrap token", created);
        String forever = tokenCommand("create", "--ttl", "0").strip();
        put(tokens, "created bootstrap token (no expiry)", forever);
        assertEquals(201, hub.register(created, Map.of()).code());
        String createdId = created.substring(0, 6);
        Poll.until(WITHIN, () -> assertTrue(tokenCommand("list").contains(createdId), "listed"));
        Child withCreated = child("created", parent, caFile, forever, false);
        children.add(withCreated);
        Poll.until(WITHIN, () -> assertTrue(withCreated.agent().reportsSent() >= 1, "registered with a created token"));
        put(tokens, "cluster token of the agent with a created token", withCreated.credential().token());
        assertTrue(tokenCommand("revoke", "--id", createdId).contains("revoked"));
        assertEquals(401, hub.register(created, Map.of()).code());

        // an app: the Pull agent deploys it with its cluster token, the hub pushes it to the other with the admin token
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        Map<String, String> collections = Map.of("Namespace", "/api/v1/namespaces",
            "Deployment", "/apis/apps/v1/namespaces/foo/deployments", "Service", "/api/v1/namespaces/foo/services",
            "Subscription", APPS + "/namespaces/default/subscriptions");
        try (var files = Files.list(EXAMPLES)) {
          for (Path file : files.sorted().toList()) {
            JsonNode object = yaml.readTree(file.toFile());
            HubClient.Reply reply = hub.post(collections.get(object.path("kind").asText()), admin, object);
            assertEquals(201, reply.code(), file + ": " + reply.body());
          }
        }
        for (Child child : List.of(pull, push)) {
          String description = APPS + "/namespaces/" + child.credential().namespace() + "/descriptions/app-demo-generic";
          Poll.until(WITHIN, () -> assertEquals("Success", hub.get(description, admin).text("/status/phase"),
              child.name()));
          assertEquals(2, new AppsV1Api(child.client()).readNamespacedDeployment("my-nginx", "foo").execute().getSpec()
              .getReplicas());
        }

        // deregistration: the hand-registered cluster's token stops working; the Pull agent registers again
        assertEquals(200, hub.delete(byHandPath, admin).code());
        Poll.until(WITHIN, () -> assertEquals(401, hub.get(byHandPath, byHandToken).code()));
        String before = pull.credential().token();
        HubClient.Reply deregistered = hub.delete(CLUSTERS + "/namespaces/" + pull.credential().namespace()
            + "/managedclusters/" + pull.credential().clusterName(), admin);
        assertEquals(200, deregistered.code(), deregistered.body());
        Poll.until(WITHIN, () -> assertNotEquals(before, pull.credential().token(), "a new cluster token"));
        put(tokens, "pull agent's cluster token after it registered again", pull.credential().token());
        Poll.until(WITHIN, () -> assertTrue(pull.agent().tunnel().map(t -> t.connected()).orElse(false)));
        Poll.until(WITHIN, () -> assertEquals(200, hub.get(nodes, admin).code()));

        // an agent restarted: it reads its credential back from the Secret in its cluster
        pull.agent().close();
        pull.slot()[0] = new Agent(pull.options(), pull.client(), FAST);
        pull.agent().start();
        Poll.until(WITHIN, () -> assertTrue(pull.agent().reportsSent() >= 2, "reports with the stored credential"));
        Poll.until(WITHIN, () -> assertTrue(pull.agent().tunnel().map(t -> t.connected()).orElse(false)));
        assertEquals(0, pull.agent().registrationPosts(), "the stored credential was reused");

        // what each agent's cluster keeps: Secret parent-cluster
        for (Child child : List.of(pull, push, withCreated)) {
          ParentCredential stored = new CredentialStore(child.client(), child.options().namespace())
              .load(child.options().parentUrl()).orElseThrow();
          put(tokens, child.name() + " agent's stored cluster token", stored.token());
        }
      } finally {
        for (int i = children.size() - 1; i >= 0; i--) {
          children.get(i).close();
        }
      }
    }
  }

  private Child child(String name, String parent, Path caFile, String bootstrapToken, boolean deploys,
      String... more) throws Exception {
    SandboxApiServer server = SandboxApiServer.startSeeded(0, 1);
    try {
      Path kubeconfig = server.writeKubeconfig(home.resolve(name + ".kubeconfig"));
      ApiClient client = ChildClients.fromKubeconfig(kubeconfig);
      List<String> args = new ArrayList<>(List.of("--cluster-reg-parent-url", parent,
          "--cluster-reg-token", bootstrapToken, "--parent-ca-file", caFile.toString(),
          "--kubeconfig", kubeconfig.toString(), "--cluster-labels", "demo=true",
          "--cluster-status-update-frequency", "1s"));
      args.addAll(List.of(more));
      AgentOptions options = AgentOptions.parse(args.toArray(String[]::new));
      Agent agent = deploys
          ? new Agent(options, client, FAST, Deployers.forChild(client, kubeconfig,
              Files.createTempDirectory(home, name)))
          : new Agent(options, client, FAST);
      agent.start();
      return new Child(name, server, kubeconfig, client, options, new Agent[] {agent});
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
  }

  /** The bearer token in a kubeconfig (the hub's, or a child's: the agent's own credential for its cluster). */
  private static String kubeconfigToken(Path kubeconfig) throws Exception {
    Matcher token = Pattern.compile("(?m)^\\s*token:\\s*\"?([^\"\\s]+)\"?\\s*$").matcher(Files.readString(kubeconfig));
    assertTrue(token.find(), "no token in " + kubeconfig);
    return token.group(1);
  }

  /** {@code flotilla token ...} in-process against this hub's home; its standard output (what it prints, not logs). */
  private String tokenCommand(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--home", home.toString()));
    int code = TokenMain.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  static String socket(String clusterId) {
    return "/apis/proxies.clusternet.io/v1alpha1/sockets/" + clusterId;
  }

  static String proxy(String clusterId, String path) {
    return socket(clusterId) + "/proxy/direct" + path;
  }

  // ---- the checker checks ----

  /**
   * The scanner is not broken: a token logged in any part of an event (message, a DEBUG line, an
   * argument the pattern does not use, the MDC, a marker, a cause's message, a suppressed
   * exception), its first 12 characters, or its base64 inside a longer encoded text, is found, and
   * the assertion the end-to-end test makes fails on it. Innocent lines are not flagged.
   */
  @Test
  void theCheckCatchesATokenWhereverAnEventCarriesIt() {
    String token = Secrets.randomToken(32);
    String clusterToken = java.util.UUID.randomUUID() + "." + Secrets.randomToken(32);
    Map<String, String> secrets = Map.of("probe token", token, "probe cluster token", clusterToken);
    org.slf4j.Logger log = LoggerFactory.getLogger("io.flotilla.hub.http.Probe");
    Map<String, Runnable> ways = new LinkedHashMap<>();
    ways.put("message", () -> log.info("token {}", token));
    ways.put("debug line", () -> log.debug("Authorization: Bearer {}", token));
    ways.put("unused argument", () -> log.info("registered", clusterToken));
    ways.put("first 12 characters", () -> log.info("token starts {}…", token.substring(0, 12)));
    ways.put("secret part of a cluster token", () -> log.info("secret {}", clusterToken.substring(37)));
    ways.put("base64 in a Basic header", () -> log.info("Authorization: Basic {}",
        Base64.getEncoder().encodeToString(("admin:" + token).getBytes(StandardCharsets.UTF_8))));
    ways.put("base64url at byte offset 1", () -> log.info("{}", Base64.getUrlEncoder()
        .encodeToString(("{\"token\":\"" + clusterToken + "\"}").getBytes(StandardCharsets.UTF_8))));
    ways.put("base64 at byte offset 2", () -> log.info("data: {}", Base64.getEncoder()
        .encodeToString(("user-12:" + token + "\n").getBytes(StandardCharsets.UTF_8))));
    ways.put("hex", () -> log.info("{}", HexFormat.of().formatHex(token.getBytes(StandardCharsets.UTF_8))));
    ways.put("MDC", () -> {
      MDC.put("authorization", "Bearer " + token);
      try {
        log.info("request");
      } finally {
        MDC.remove("authorization");
      }
    });
    ways.put("marker", () -> log.info(MarkerFactory.getDetachedMarker("token-" + token), "marked"));
    ways.put("cause", () -> log.warn("request failed", new IllegalStateException("outer",
        new RuntimeException("bad credentials " + clusterToken))));
    ways.put("suppressed", () -> {
      IllegalStateException failure = new IllegalStateException("closing failed");
      failure.addSuppressed(new RuntimeException("token=" + token));
      log.error("stop", failure);
    });
    ways.put("akka-style event", () -> LoggerFactory.getLogger("akka.actor.ActorSystemImpl")
        .debug("unhandled message from Actor[akka://flotilla/user]: Authenticate({})", token));

    for (Map.Entry<String, Runnable> way : ways.entrySet()) {
      List<LogCapture.Event> events;
      try (LogCapture capture = LogCapture.open()) {
        log.info("an innocent line about cluster {}", clusterToken.substring(0, 36));
        way.getValue().run();
        events = capture.events();
      }
      List<LogCapture.Leak> leaks = LogCapture.leaks(events, secrets);
      assertEquals(1, leaks.size(), way.getKey() + ": " + leaks);
      AssertionError failed = assertThrows(AssertionError.class, () -> assertNoLeaks(leaks), way.getKey());
      assertFalse(failed.getMessage().contains(token) || failed.getMessage().contains(clusterToken.substring(37)),
          "the failure message itself is redacted: " + failed.getMessage());
    }

    // and nothing is flagged when no token is logged (the cluster ID, a token's public part, is no leak)
    try (LogCapture capture = LogCapture.open()) {
      log.info("cluster {} registered", clusterToken.substring(0, 36));
      log.debug("Authorization: Bearer <redacted>");
      assertEquals(List.of(), LogCapture.leaks(capture.events(), secrets));
    }
  }
}
