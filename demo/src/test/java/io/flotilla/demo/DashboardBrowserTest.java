package io.flotilla.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.TestHubs;
import io.flotilla.k8s.agent.Agent;
import io.flotilla.k8s.agent.AgentOptions;
import io.flotilla.k8s.agent.ChildClients;
import io.flotilla.k8s.agent.Deployers;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet dashboard in a real browser: a hub on the embedded Cassandra, three sandbox child
 * clusters with real agents (labelled region=eu, eu, us) and one registered cluster that never
 * reported (Unknown), then ui/e2e/dashboard.mjs (playwright-core driving Debian's chromium) signs
 * in with the viewer token, checks the counts, filters by label, sorts and searches, opens a
 * cluster and its timeline, and watches a Subscription that this test creates once the page is
 * watching, until its rollout completes, without a reload. Screenshots: demo/target/screenshots/.
 */
class DashboardBrowserTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final Duration WITHIN = Duration.ofSeconds(90);
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  /** Tests run in the module's folder. */
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final Path SCRIPT = REPO.resolve("ui/e2e/dashboard.mjs");
  static final Path SCREENSHOTS = Path.of("target", "screenshots").toAbsolutePath();
  static final String MCLS = "/apis/clusters.clusternet.io/v1beta1/managedclusters";
  static final String APPS = "/apis/apps.clusternet.io/v1alpha1";

  @TempDir
  static Path home;

  @Test
  void theDashboardShowsTheFleetAndFollowsARolloutLive() throws Exception {
    requireBrowser();
    long began = System.nanoTime();
    // summaries fresh within a second, so the page sees the clusters as soon as the directory has them
    var config = ConfigFactory.parseMap(Map.of("flotilla.hub.fleet-summary-max-age", "1s"))
        .withFallback(TestHubs.config(cassandra));
    List<AutoCloseable> open = new ArrayList<>();
    try (TestHubs.Running running = TestHubs.start(home, config)) {
      HubClient hub = running.client();
      String admin = running.home().adminToken();
      checkStaticFiles(HttpClient.newBuilder().sslContext(running.home().clientSslContext()).build(),
          "https://127.0.0.1:" + running.hub().port());

      Path caFile = Files.writeString(home.resolve("hub-ca.crt"), running.home().caCertificatePem());
      String[][] clusters = {{"shop-eu-1", "region=eu,tier=store"}, {"shop-eu-2", "region=eu,tier=store"},
          {"shop-us-1", "region=us,tier=warehouse"}};
      for (String[] cluster : clusters) {
        SandboxApiServer child = SandboxApiServer.startSeeded(0, 2);
        open.add(child);
        Path dir = Files.createDirectories(home.resolve(cluster[0]));
        Path kubeconfig = child.writeKubeconfig(dir.resolve("kubeconfig"));
        var client = ChildClients.fromKubeconfig(kubeconfig);
        Agent agent = new Agent(AgentOptions.parse("--cluster-reg-parent-url", "https://127.0.0.1:" + running.hub().port(),
            "--cluster-reg-token", running.home().bootstrapToken(), "--parent-ca-file", caFile.toString(),
            "--kubeconfig", kubeconfig.toString(), "--cluster-reg-name", cluster[0], "--cluster-labels", cluster[1],
            "--cluster-status-update-frequency", "2s"),
            client, new Agent.Timing(Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofMillis(200),
                Duration.ofSeconds(10)),
            Deployers.forChild(client, kubeconfig, dir));
        open.add(0, agent);
        agent.start();
      }
      // one more that registered and never reported: Unknown
      // (one cluster ID, so a retry after a slow answer re-registers the same cluster: registration is idempotent)
      String silentId = UUID.randomUUID().toString();
      var silent = HubClient.registrationRequest("clusternet-" + silentId, silentId);
      ((ObjectNode) silent.get("spec")).putObject("clusterLabels").put("region", "ap");
      TestProbe<Void> probe = TestProbe.create(running.hub().system());
      probe.awaitAssert(WITHIN, Duration.ofMillis(250), () -> {
        HubClient.Reply registered = hub.post("/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests",
            running.home().bootstrapToken(), silent);
        assertTrue(registered.code() == 201 || registered.code() == 200, registered.body());
        return null;
      });

      probe.awaitAssert(WITHIN, Duration.ofMillis(250), () -> {
        JsonNode list = hub.get(MCLS, admin).json();
        assertEquals(4, list.path("items").size(), list.toString());
        long ready = 0;
        for (JsonNode c : list.path("items")) {
          ready += c.at("/status/readyz").asBoolean(false) ? 1 : 0;
        }
        assertEquals(3, ready, list.toString());
        return null;
      });

      // the Subscription's feeds; the Subscription itself comes once the page watches for it
      assertEquals(201, hub.post("/api/v1/namespaces", admin, Map.of("apiVersion", "v1", "kind", "Namespace",
          "metadata", Map.of("name", "web"))).code());
      assertEquals(201, hub.post("/api/v1/namespaces/web/configmaps", admin, Map.of("apiVersion", "v1",
          "kind", "ConfigMap", "metadata", Map.of("name", "settings", "namespace", "web"),
          "data", Map.of("greeting", "hello")))
          .code());

      String output = runScript(running, hub, admin);
      System.out.println(output);
      System.out.printf("DashboardBrowserTest: %.1f s in all%n", (System.nanoTime() - began) / 1e9);
      for (String png : List.of("overview", "clusters", "cluster", "subscription-live", "cluster-timeline")) {
        assertTrue(Files.size(SCREENSHOTS.resolve(png + ".png")) > 10_000, png + ".png written");
      }
    } finally {
      for (AutoCloseable closeable : open) {
        closeable.close();
      }
    }
  }

  /** The hub serves the build: index at /ui and /ui/, hashed assets cached for good, missing files as a 404 Status. */
  static void checkStaticFiles(HttpClient http, String base) throws Exception {
    for (String path : List.of("/ui", "/ui/")) {
      HttpResponse<String> index = send(http, base, path, "GET");
      assertEquals(200, index.statusCode(), path);
      assertEquals("text/html; charset=UTF-8", index.headers().firstValue("Content-Type").orElse(""), path);
      assertEquals("no-cache", index.headers().firstValue("Cache-Control").orElse(""), path);
      assertTrue(index.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
    }
    String html = send(http, base, "/ui/", "GET").body();
    Matcher script = Pattern.compile("src=\"/ui/(assets/[^\"]+\\.js)\"").matcher(html);
    assertTrue(script.find(), html);
    HttpResponse<String> js = send(http, base, "/ui/" + script.group(1), "GET");
    assertEquals(200, js.statusCode());
    assertEquals("text/javascript; charset=UTF-8", js.headers().firstValue("Content-Type").orElse(""));
    assertEquals("public, max-age=31536000, immutable", js.headers().firstValue("Cache-Control").orElse(""));
    Matcher css = Pattern.compile("href=\"/ui/(assets/[^\"]+\\.css)\"").matcher(html);
    assertTrue(css.find(), html);
    assertEquals("text/css; charset=UTF-8", send(http, base, "/ui/" + css.group(1), "GET").headers()
        .firstValue("Content-Type").orElse(""));
    for (String missing : List.of("/ui/assets/nope-12345678.js", "/ui/assets", "/ui/../pom.xml", "/ui/%2e%2e/x.js")) {
      HttpResponse<String> notFound = send(http, base, missing, "GET");
      assertEquals(404, notFound.statusCode(), missing);
      assertTrue(notFound.body().contains("\"kind\":\"Status\""), missing + ": " + notFound.body());
    }
    assertEquals(405, send(http, base, "/ui/", "POST").statusCode());
  }

  /** No token: the dashboard's files are public (the app asks for a token itself). */
  static HttpResponse<String> send(HttpClient http, String base, String path, String method) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Runs the Playwright script; creates the Subscription when it says it watches; its exit code must be 0. */
  static String runScript(TestHubs.Running running, HubClient hub, String admin) throws Exception {
    Files.createDirectories(SCREENSHOTS);
    ProcessBuilder builder = new ProcessBuilder("node", SCRIPT.toString()).directory(REPO.resolve("ui").toFile())
        .redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.put("HUB_URL", "https://127.0.0.1:" + running.hub().port());
    env.put("HUB_TOKEN", running.home().viewerToken());
    env.put("SCREENSHOT_DIR", SCREENSHOTS.toString());
    env.put("EXPECT_TOTAL", "4");
    env.put("EXPECT_READY", "3");
    env.put("LABEL_KEY", "region");
    env.put("LABEL_VALUE", "eu");
    env.put("EXPECT_LABEL_COUNT", "2");
    env.put("CLUSTER_NAME", "shop-eu-1");
    env.put("SUB_NAMESPACE", "default");
    env.put("SUB_NAME", "web");
    env.put("CHROMIUM", CHROMIUM.toString());
    Process process = builder.start();
    StringBuilder output = new StringBuilder();
    CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          synchronized (output) {
            output.append(line).append('\n');
          }
          if (line.equals("E2E:WATCHING")) {
            HubClient.Reply created = hub.post(APPS + "/namespaces/default/subscriptions", admin, Map.of(
                "apiVersion", "apps.clusternet.io/v1alpha1", "kind", "Subscription", "metadata", Map.of("name", "web"),
                "spec", Map.of("subscribers", List.of(Map.of("clusterAffinity", Map.of("matchLabels", Map.of("region", "eu")))),
                    "feeds", List.of(Map.of("apiVersion", "v1", "kind", "Namespace", "name", "web"),
                        Map.of("apiVersion", "v1", "kind", "ConfigMap", "namespace", "web", "name", "settings")))));
            synchronized (output) {
              output.append("[test] created Subscription default/web: ").append(created.code()).append('\n');
            }
          }
        }
      } catch (Exception e) {
        synchronized (output) {
          output.append("[test] reading the script's output failed: ").append(e).append('\n');
        }
      }
    });
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      fail("the browser script did not finish within 5 minutes:\n" + output);
    }
    reader.get(10, TimeUnit.SECONDS);
    String text;
    synchronized (output) {
      text = output.toString();
    }
    assertEquals(0, process.exitValue(), "the browser script failed:\n" + text);
    return text;
  }

  /** Chromium is Debian's package (CI installs it in .ci/run); the script needs ui's node_modules (npm ci). */
  static void requireBrowser() {
    if (!Files.isExecutable(CHROMIUM)) {
      fail("the dashboard's browser test needs Chromium at " + CHROMIUM + ": apt-get install -y chromium"
          + " (.ci/run installs it when missing)");
    }
    if (!Files.isDirectory(REPO.resolve("ui/node_modules/playwright-core"))) {
      fail("ui/node_modules/playwright-core is missing: build the ui module first (mvn -pl ui install runs npm ci)");
    }
  }
}
