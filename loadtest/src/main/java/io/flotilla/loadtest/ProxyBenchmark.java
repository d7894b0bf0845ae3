package io.flotilla.loadtest;

import io.flotilla.api.JvmDefaults;
import io.flotilla.k8s.agent.Agent;
import io.flotilla.k8s.agent.AgentOptions;
import io.flotilla.k8s.agent.ChildClients;
import io.flotilla.k8s.sandbox.SandboxApiServer;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;

/**
 * Proxy versus direct: the same GETs to a sandbox child API server directly and through the hub,
 * its tunnel and a real agent ({@link LocalHub}, embedded Cassandra): latency p50/p99 of sequential
 * requests, throughput with 8 in flight, for a small object and a 1 MiB ConfigMap, and the ratios.
 *
 * <pre>bin/flotilla bench proxy [--requests 500]</pre>
 */
public final class ProxyBenchmark {
  private static final String SMALL = "/api/v1/nodes/sandbox-node-1";
  private static final String MEBIBYTE = "/api/v1/namespaces/default/configmaps/mib";

  /** Where requests go: the child itself, or the hub's proxy path for it. */
  record Target(String name, HttpClient http, String base, String token) {
    HttpResponse<byte[]> get(String path) throws Exception {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
      if (token != null) {
        request.header("Authorization", "Bearer " + token);
      }
      HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(name + " GET " + path + ": HTTP " + response.statusCode());
      }
      return response;
    }
  }

  /** One measurement: sequential latency percentiles (ms), sequential and 8-in-flight rates. */
  record Result(double p50, double p99, double sequentialPerSecond, double concurrentPerSecond, double mibPerSecond) {}

  private ProxyBenchmark() {}

  public static void main(String[] args) throws Exception {
    JvmDefaults.apply();
    int requests = Integer.parseInt(RegistrationBenchmark.parse(args).getOrDefault("requests", "500"));
    try (LocalHub hub = LocalHub.start(); SandboxApiServer child = SandboxApiServer.startSeeded(0, 3)) {
      Path dir = Files.createTempDirectory("flotilla-proxy-bench");
      Path kubeconfig = child.writeKubeconfig(dir.resolve("child.kubeconfig"));
      Path caFile = Files.writeString(dir.resolve("ca.crt"), hub.home().caCertificatePem());
      try (Agent agent = new Agent(AgentOptions.parse("--cluster-reg-parent-url", hub.baseUrl(),
          "--cluster-reg-token", hub.home().bootstrapToken(), "--parent-ca-file", caFile.toString(),
          "--kubeconfig", kubeconfig.toString()), ChildClients.fromKubeconfig(kubeconfig))) {
        agent.start();
        awaitTunnel(agent);
        Target direct = new Target("direct", HttpClient.newHttpClient(), child.url().replaceAll("/$", ""),
            "sandbox-token");
        Target proxy = new Target("proxy", HttpClient.newBuilder().sslContext(hub.home().clientSslContext()).build(),
            hub.baseUrl() + "/apis/proxies.clusternet.io/v1alpha1/sockets/" + agent.clusterId().orElseThrow()
                + "/proxy/direct", hub.home().adminToken());
        createMebibyteConfigMap(direct);
        run(direct, proxy, requests);
      }
    }
    System.exit(0);
  }

  private static void run(Target direct, Target proxy, int requests) throws Exception {
    for (Target target : List.of(direct, proxy)) { // warm-up: connections, JIT, the tunnel's streams
      measure(target, SMALL, requests / 2, requests);
      measure(target, MEBIBYTE, 20, 40);
    }
    System.out.printf("%nFlotilla proxy benchmark: %d cores%n", Runtime.getRuntime().availableProcessors());
    System.out.println("| target | request | p50 ms | p99 ms | sequential req/s | 8 in flight req/s | MiB/s |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (String path : List.of(SMALL, MEBIBYTE)) {
      int sequential = path.equals(SMALL) ? requests : Math.max(20, requests / 8);
      Result d = measure(direct, path, sequential, sequential * 4);
      Result p = measure(proxy, path, sequential, sequential * 4);
      String name = path.equals(SMALL) ? "small GET" : "1 MiB GET";
      for (Map.Entry<String, Result> row : List.of(Map.entry("direct", d), Map.entry("proxy", p))) {
        Result r = row.getValue();
        System.out.printf("| %s | %s | %.2f | %.2f | %.0f | %.0f | %.1f |%n", row.getKey(), name, r.p50(), r.p99(),
            r.sequentialPerSecond(), r.concurrentPerSecond(), r.mibPerSecond());
      }
      System.out.printf("ratio proxy/direct, %s: p50 %.1fx, p99 %.1fx, throughput (8 in flight) %.2fx%n", name,
          p.p50() / d.p50(), p.p99() / d.p99(), p.concurrentPerSecond() / d.concurrentPerSecond());
    }
  }

  private static Result measure(Target target, String path, int sequential, int concurrent) throws Exception {
    long[] nanos = new long[sequential];
    long bytes = 0;
    long started = System.nanoTime();
    for (int i = 0; i < sequential; i++) {
      long t0 = System.nanoTime();
      bytes += target.get(path).body().length;
      nanos[i] = System.nanoTime() - t0;
    }
    double sequentialSeconds = (System.nanoTime() - started) / 1e9;
    Arrays.sort(nanos);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    long t0 = System.nanoTime();
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int i = 0; i < concurrent; i++) {
      all.add(CompletableFuture.runAsync(() -> {
        try {
          target.get(path);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, pool));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    double concurrentSeconds = (System.nanoTime() - t0) / 1e9;
    pool.shutdown();
    return new Result(nanos[sequential / 2] / 1e6, nanos[Math.min(sequential - 1, (int) (sequential * 0.99))] / 1e6,
        sequential / sequentialSeconds, concurrent / concurrentSeconds, bytes / sequentialSeconds / (1024 * 1024));
  }

  private static void createMebibyteConfigMap(Target direct) throws Exception {
    String body = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"mib\"},\"data\":{\"k\":\""
        + "x".repeat(1024 * 1024) + "\"}}";
    HttpResponse<Void> created = direct.http().send(HttpRequest.newBuilder(URI.create(direct.base()
            + "/api/v1/namespaces/default/configmaps")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
    if (created.statusCode() != 201) {
      throw new IllegalStateException("cannot create the 1 MiB ConfigMap: HTTP " + created.statusCode());
    }
  }

  private static void awaitTunnel(Agent agent) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!agent.tunnel().map(t -> t.connected()).orElse(false)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the agent's tunnel did not come up within 60 s");
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
  }
}
