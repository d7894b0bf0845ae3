package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.hub.TestHubs;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proxy-vs-direct latency (p50/p99) and throughput for small GETs and a 1 MiB body: the same
 * requests to the sandbox directly and through hub + tunnel + agent. Not a test (no *Test name,
 * so the build skips it): {@code mvn -pl k8s-adapter test -Dtest=TunnelBenchmark}.
 */
class TunnelBenchmark {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  @TempDir
  static Path home;

  record Target(String name, HttpClient http, String base, String token) {
    HttpResponse<byte[]> get(String path) throws Exception {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
      if (token != null) {
        request.header("Authorization", "Bearer " + token);
      }
      return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
  }

  @Test
  void proxyVersusDirect() throws Exception {
    try (TestHubs.Running running = TestHubs.start(cassandra, home);
        SandboxApiServer child = SandboxApiServer.startSeeded(0, 3)) {
      Path kubeconfig = child.writeKubeconfig(home.resolve("child.kubeconfig"));
      Path caFile = Files.writeString(home.resolve("ca.crt"), running.home().caCertificatePem());
      try (Agent agent = new Agent(AgentOptions.parse("--cluster-reg-parent-url",
          "https://127.0.0.1:" + running.hub().port(), "--cluster-reg-token", running.home().bootstrapToken(),
          "--parent-ca-file", caFile.toString(), "--kubeconfig", kubeconfig.toString()),
          ChildClients.fromKubeconfig(kubeconfig))) {
        agent.start();
        Poll.until(Duration.ofSeconds(60), () -> assertTrue(agent.tunnel().map(t -> t.connected()).orElse(false)));
        HttpClient proxied = HttpClient.newBuilder().sslContext(running.home().clientSslContext()).build();
        Target direct = new Target("direct", HttpClient.newHttpClient(), child.url().replaceAll("/$", ""), "sandbox-token");
        Target proxy = new Target("proxy", proxied, "https://127.0.0.1:" + running.hub().port()
            + "/apis/proxies.clusternet.io/v1alpha1/sockets/" + agent.clusterId().orElseThrow() + "/proxy/direct",
            running.home().adminToken());
        Poll.until(Duration.ofSeconds(30), () -> assertEquals(200, proxy.get("/version").statusCode()));

        String big = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"mib\"},\"data\":{\"k\":\""
            + "x".repeat(1024 * 1024) + "\"}}";
        assertEquals(201, direct.http().send(HttpRequest.newBuilder(URI.create(direct.base()
                + "/api/v1/namespaces/default/configmaps")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.discarding())
            .statusCode());

        System.out.println("| target | request | n | p50 ms | p99 ms | sequential req/s | 8 concurrent req/s | MiB/s |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (Target target : List.of(direct, proxy)) {
          measure(target, "/api/v1/namespaces/default/configmaps/mib", 30, 50); // warm-up
          measure(target, "/api/v1/nodes/sandbox-node-1", 200, 1000);
        }
        for (Target target : List.of(direct, proxy)) {
          measure(target, "/api/v1/nodes/sandbox-node-1", 500, 2000);
          measure(target, "/api/v1/namespaces/default/configmaps/mib", 60, 120);
        }
      }
    }
  }

  /** Prints sequential latency percentiles, then throughput with 8 concurrent clients. */
  static void measure(Target target, String path, int sequential, int concurrent) throws Exception {
    long[] nanos = new long[sequential];
    long bytes = 0;
    long started = System.nanoTime();
    for (int i = 0; i < sequential; i++) {
      long t0 = System.nanoTime();
      HttpResponse<byte[]> response = target.get(path);
      nanos[i] = System.nanoTime() - t0;
      assertEquals(200, response.statusCode(), new String(response.body()));
      bytes += response.body().length;
    }
    double sequentialSeconds = (System.nanoTime() - started) / 1e9;
    Arrays.sort(nanos);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    long t0 = System.nanoTime();
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int i = 0; i < concurrent; i++) {
      all.add(CompletableFuture.runAsync(() -> {
        try {
          assertEquals(200, target.get(path).statusCode());
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      }, pool));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    double concurrentSeconds = (System.nanoTime() - t0) / 1e9;
    pool.shutdown();
    System.out.printf("| %s | GET %s | %d | %.2f | %.2f | %.0f | %.0f | %.1f |%n", target.name(),
        path.substring(path.lastIndexOf('/') + 1), sequential, nanos[sequential / 2] / 1e6,
        nanos[Math.min(sequential - 1, (int) (sequential * 0.99))] / 1e6, sequential / sequentialSeconds,
        concurrent / concurrentSeconds, bytes / sequentialSeconds / (1024 * 1024));
  }
}
