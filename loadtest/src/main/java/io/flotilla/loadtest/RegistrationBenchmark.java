package io.flotilla.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import akka.http.javadsl.ServerBinding;
import io.flotilla.api.Json;
import io.flotilla.api.JvmDefaults;
import io.flotilla.hub.security.HubHome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * Registers N clusters with a real hub ({@link LocalHub}: embedded Cassandra, or FLOTILLA_CASSANDRA) over HTTPS,
 * then sends each a first status report (persisted) and unchanged heartbeats (kept in memory),
 * with C requests in flight; prints throughput and latency of each phase, and the time until the
 * directory lists them all. Then the machine's {@link Ceilings} in the same run, with the same
 * client and in-flight count: raw async CQL inserts on the hub's Cassandra against registrations, the
 * same status PUTs to a no-op route of the hub's Akka HTTP against heartbeats, and the ratios.
 *
 * <pre>bin/flotilla bench registrations --clusters 2000 --concurrency 64</pre>
 */
public final class RegistrationBenchmark {
  private static final String API = "/apis/clusters.clusternet.io/v1beta1";

  private final HttpClient http;
  private final String base;
  private final LocalHub hub;
  private final HubHome home;
  private final int concurrency;

  private RegistrationBenchmark(LocalHub hub, int concurrency) {
    this.hub = hub;
    this.home = hub.home();
    this.concurrency = concurrency;
    this.http = HttpClient.newBuilder().sslContext(home.clientSslContext()).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    this.base = hub.baseUrl();
  }

  public static void main(String[] args) throws Exception {
    JvmDefaults.apply();
    Map<String, String> options = parse(args);
    int clusters = Integer.parseInt(options.getOrDefault("clusters", "2000"));
    int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "64"));
    int heartbeats = Integer.parseInt(options.getOrDefault("heartbeats", "3"));
    try (LocalHub hub = LocalHub.start()) {
      new RegistrationBenchmark(hub, concurrency).run(clusters, heartbeats);
    }
    System.exit(0);
  }

  private void run(int clusters, int heartbeats) throws Exception {
    System.out.printf("%nFlotilla registration benchmark: %d clusters, %d in flight, %d cores%n", clusters, concurrency,
        Runtime.getRuntime().availableProcessors());
    warmUp();
    JsonNode[] registered = new JsonNode[clusters];
    Phase registrations = phase("registrations (POST clusterregistrationrequests)", clusters, i -> {
      String id = UUID.randomUUID().toString();
      return post(API + "/clusterregistrationrequests", home.bootstrapToken(), registration(id))
          .thenApply(json -> registered[i] = json);
    });
    Phase firstReports = phase("first status reports (persisted)", clusters,
        i -> report(base, registered[i]));
    Phase unchanged = phase("unchanged heartbeats (not persisted)", clusters * heartbeats,
        i -> report(base, registered[i % clusters]));
    long listStart = System.nanoTime();
    int listed;
    do {
      listed = send(HttpRequest.newBuilder(URI.create(base + API + "/managedclusters"))
          .header("Authorization", "Bearer " + home.adminToken()).GET()).join().path("items").size();
    } while (listed < clusters && System.nanoTime() - listStart < Duration.ofMinutes(5).toNanos());
    double listedAfter = (System.nanoTime() - listStart) / 1e9;
    long oneList = System.nanoTime();
    send(HttpRequest.newBuilder(URI.create(base + API + "/managedclusters"))
        .header("Authorization", "Bearer " + home.adminToken()).GET()).join();
    double listMillis = (System.nanoTime() - oneList) / 1e6;

    System.out.printf("%n| phase | requests | per second | p50 ms | p99 ms |%n|---|---|---|---|---|%n");
    for (Phase phase : List.of(registrations, firstReports, unchanged)) {
      System.out.println(phase.row());
    }
    System.out.printf("%nall %d clusters listed by the directory %.1f s after the last report; one full list: %.0f ms%n",
        listed, listedAfter, listMillis);

    ServerBinding noOp = Ceilings.bindNoOpRoute(hub.hub().system(), home.serverSslContext());
    String noOpBase = "https://127.0.0.1:" + noOp.localAddress().getPort();
    Phase noOpPuts = phase("the same status PUTs to a no-op route (ceiling)", clusters * heartbeats,
        i -> report(noOpBase, registered[i % clusters]));
    noOp.unbind().toCompletableFuture().join();
    Phase cqlInserts;
    try (Ceilings.RawInserts raw = new Ceilings.RawInserts(hub.contactPoint(), hub.keyspace())) {
      cqlInserts = phase("raw async CQL inserts, one 600-byte row each (ceiling)", clusters, raw::insert);
    }
    System.out.println(noOpPuts.row());
    System.out.println(cqlInserts.row());
    System.out.printf("%nceilings, same run, same client, %d in flight:%n", concurrency);
    System.out.printf("registrations: %s raw async CQL inserts (one 600-byte row each, the hub's Cassandra)%n",
        Ceilings.ratio(registrations.perSecond(), cqlInserts.perSecond()));
    System.out.printf("first status reports: %s raw async CQL inserts%n",
        Ceilings.ratio(firstReports.perSecond(), cqlInserts.perSecond()));
    System.out.printf("unchanged heartbeats: %s the same PUTs to a no-op route of the hub's Akka HTTP%n",
        Ceilings.ratio(unchanged.perSecond(), noOpPuts.perSecond()));
  }

  private void warmUp() {
    phase("warm-up", 200, i -> post(API + "/clusterregistrationrequests", home.bootstrapToken(),
        registration(UUID.randomUUID().toString())));
  }

  /** Runs `count` requests with at most `concurrency` in flight; fails if any failed. */
  private Phase phase(String name, int count, IntFunction<CompletableFuture<?>> request) {
    Phase phase = Phase.run(name, count, concurrency, request);
    if (phase.failures() > 0) {
      throw new IllegalStateException(name + ": " + phase.failures() + " of " + count + " requests failed");
    }
    return phase;
  }

  /** A status report of the registered cluster crr to the hub at base. */
  private CompletableFuture<JsonNode> report(String base, JsonNode crr) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("apiVersion", "clusters.clusternet.io/v1beta1").put("kind", "ManagedCluster");
    body.putObject("metadata").put("name", crr.at("/status/managedClusterName").asText());
    ObjectNode status = body.putObject("status");
    status.put("k8sVersion", "v1.30.2").put("healthz", true).put("livez", true).put("readyz", true)
        .put("heartbeatFrequencySeconds", 180);
    status.putObject("nodeStatistics").put("readyNodes", 3);
    String path = API + "/namespaces/" + crr.at("/status/dedicatedNamespace").asText() + "/managedclusters/"
        + crr.at("/status/managedClusterName").asText() + "/status";
    return send(HttpRequest.newBuilder(URI.create(base + path))
        .header("Authorization", "Bearer " + crr.at("/status/token").asText())
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(Json.write(body))));
  }

  private CompletableFuture<JsonNode> post(String path, String token, ObjectNode body) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body))));
  }

  private CompletableFuture<JsonNode> send(HttpRequest.Builder request) {
    return http.sendAsync(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(response -> {
          if (response.statusCode() >= 300) {
            throw new IllegalStateException("HTTP " + response.statusCode() + ": " + new String(response.body()));
          }
          try {
            return Json.MAPPER.readTree(response.body());
          } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private static ObjectNode registration(String clusterId) {
    ObjectNode crr = Json.MAPPER.createObjectNode();
    crr.put("apiVersion", "clusters.clusternet.io/v1beta1").put("kind", "ClusterRegistrationRequest");
    crr.putObject("metadata").put("name", "clusternet-" + clusterId);
    crr.putObject("spec").put("clusterId", clusterId).put("clusterType", "EdgeCluster").put("syncMode", "Pull");
    return crr;
  }

  /** --name value pairs. */
  static Map<String, String> parse(String[] args) {
    Map<String, String> options = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }
}
