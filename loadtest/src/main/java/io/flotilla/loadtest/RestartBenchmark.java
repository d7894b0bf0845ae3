package io.flotilla.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.api.JvmDefaults;
import io.flotilla.hub.HubMetrics;
import java.lang.ref.Reference;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A full hub restart under a large registered fleet. N clusters, registered and reporting, are
 * seeded through the journal ({@link JournalSeed}); the directory projection builds the read
 * models from them; then the hub restarts on the same Cassandra and the benchmark measures: time
 * until it is ready, every cluster listed again, single clusters read by path (their entities
 * recover from the journal), and the whole fleet reporting once (catch-up: every cluster entity
 * recovered and current), with the Unknown verdicts that follow and the heap per active cluster.
 *
 * <pre>bin/flotilla bench restart --clusters 100000 --concurrency 64</pre>
 *
 * <p>With {@code -Dflotilla.bench.heap-dump=FILE} it also writes the heap as it is measured (every
 * cluster entity running) to FILE.
 */
public final class RestartBenchmark {
  private static final String CLUSTERS = Shapes.CLUSTERS_API + "/managedclusters";
  private static final String FLEET = "/apis/fleet.flotilla.io/v1alpha1/fleetsummaries/fleet";
  private static final Duration POLL = Duration.ofSeconds(1);
  /** Clusters seeded at once: a few Cassandra requests each, well below the driver's 1,024 per connection. */
  private static final int SEED_IN_FLIGHT = 128;

  /** What a run measured; seconds unless named otherwise. */
  record Result(int clusters, Phase seeding, double directoryCaughtUp, double restarted, double ready,
      double firstPage, int listed, double listedIn, Phase reads, Phase catchUp, long unknownAfter,
      long readyAfter, long heapBytesPerCluster) {}

  public static void main(String[] args) throws Exception {
    JvmDefaults.apply();
    Map<String, String> options = RegistrationBenchmark.parse(args);
    try (LocalHub hub = LocalHub.start()) {
      run(hub, Integer.parseInt(options.getOrDefault("clusters", "10000")),
          Integer.parseInt(options.getOrDefault("concurrency", "64")),
          Integer.parseInt(options.getOrDefault("reads", "1000")));
    }
    System.exit(0);
  }

  static Result run(LocalHub hub, int clusters, int concurrency, int reads) throws Exception {
    HubTarget target = new HubTarget(hub.baseUrls(), hub.home().adminToken(), hub.home().bootstrapToken(),
        hub.home().caCertificatePem(), null);
    FleetClient client = new FleetClient(target, concurrency);
    System.out.printf("%nFlotilla restart benchmark: %d clusters, %d in flight, %d cores, %d MB max heap%n", clusters,
        concurrency, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
    JournalSeed seed = new JournalSeed(hub.hub().system(), hub.home().tokenCipher());
    FleetClient.Cluster[] fleet = new FleetClient.Cluster[clusters];
    Phase seeding = Phase.run("seed: each cluster's 3 events into the journal", clusters, SEED_IN_FLIGHT,
        i -> seed.seed(i).thenAccept(cluster -> fleet[i] = cluster));
    require(seeding.failures() == 0, seeding.failures() + " seed writes failed");
    System.out.printf("seeded %d clusters in %.1f s (%.0f /s)%n", clusters, seeding.seconds(), seeding.perSecond());
    System.out.println(seeding.row());

    long start = System.nanoTime();
    awaitDirectory(client, fleet, Duration.ofMinutes(120));
    double directoryCaughtUp = FleetBenchmark.seconds(start);
    System.out.printf("the directory has every slice's last seeded clusters %.1f s after the last journal write%n",
        directoryCaughtUp);

    start = System.nanoTime();
    hub.restart();
    double restarted = FleetBenchmark.seconds(start);
    awaitReady(target);
    double ready = FleetBenchmark.seconds(start);
    long pageStart = System.nanoTime();
    client.get(CLUSTERS + "?limit=500", target.adminToken()).join();
    double firstPage = FleetBenchmark.seconds(pageStart);
    System.out.printf("restart: node up in %.1f s, /readyz 200 after %.1f s, a first page of 500 in %.2f s%n",
        restarted, ready, firstPage);
    HeapHistogram heapBefore = HeapHistogram.take(); // the restarted node, before any cluster entity runs

    start = System.nanoTime();
    int listed = client.count(CLUSTERS, null).join();
    double listedIn = FleetBenchmark.seconds(start);
    System.out.printf("all clusters listed by pages of 500: %d of %d in %.1f s%n", listed, clusters, listedIn);

    Phase byPath = Phase.run("GET one cluster by path (its entities recover)", reads, concurrency,
        i -> client.get(fleet[ThreadLocalRandom.current().nextInt(clusters)].path(), target.adminToken()));
    System.out.println(byPath.row());
    Phase catchUp = Phase.run("every cluster reports once after the restart", clusters, concurrency,
        i -> client.put(fleet[i].path() + "/status", fleet[i].token(),
            Shapes.statusReport(fleet[i].namespace(), fleet[i].name(), "v1.30.2")));
    System.out.println(catchUp.row());
    double lagAfterCatchUp = directoryLag(hub);
    // a scan started after the last report: one started during the catch-up would count it half done
    JsonNode summary = awaitFleet(client, clusters, Instant.now(), Duration.ofMinutes(30));
    double lagAtSummary = directoryLag(hub);
    long unknown = summary.at("/readiness/Unknown").asLong();
    long readyClusters = summary.at("/readiness/Ready").asLong();

    HeapHistogram heapAfter = HeapHistogram.take();
    // the benchmark's own copy of the fleet (IDs, tokens) is in both histograms, so not in their
    // difference; dropped before the second only (as it was), it made the hub's cost look ~500 bytes smaller
    Reference.reachabilityFence(fleet);
    long heapPerCluster = (heapAfter.totalBytes() - heapBefore.totalBytes()) / clusters;
    String heapByClass = heapAfter.growthPer(heapBefore, clusters, 40);
    String heapDump = System.getProperty("flotilla.bench.heap-dump");
    if (heapDump != null) {
      HeapHistogram.dump(heapDump);
    }

    System.out.printf("%n| phase | requests | per second | p50 ms | p99 ms |%n|---|---|---|---|---|%n");
    for (Phase phase : new Phase[] {seeding, byPath, catchUp}) {
      System.out.println(phase.row() + (phase.failures() > 0 ? " (" + phase.failures() + " failed)" : ""));
    }
    System.out.printf("%nfleet summary after the catch-up (as of %s): %d Ready, %d Unknown of %d%n",
        summary.path("asOf").asText(), readyClusters, unknown, clusters);
    // no lag is known while the restarted node's directory has had no event (reports that changed nothing)
    System.out.printf("directory projection lag (its slowest slice's last event): %s at the catch-up's end, "
        + "%s when the summary was read%n", seconds(lagAfterCatchUp), seconds(lagAtSummary));
    System.out.printf("live heap (class histograms, after full GC), growth since the restart per cluster, every "
        + "cluster entity active: %d bytes; the classes that grew most:%n%n%s",
        heapPerCluster, heapByClass);
    return new Result(clusters, seeding, directoryCaughtUp, restarted, ready, firstPage, listed, listedIn, byPath,
        catchUp, unknown, readyClusters, heapPerCluster);
  }

  private static String seconds(double lag) {
    return Double.isNaN(lag) ? "none (no event since the restart)" : String.format("%.1f s", lag);
  }

  /** The largest {@code flotilla_projection_lag_seconds} of the cluster directory's slices, from the hub's metrics. */
  private static double directoryLag(LocalHub hub) {
    String prefix = "flotilla_projection_lag_seconds{projection=\"managed-cluster-directory\"";
    return new String(HubMetrics.get(hub.hub().system()).scrape(), StandardCharsets.UTF_8).lines()
        .filter(line -> line.startsWith(prefix))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .max().orElse(Double.NaN);
  }

  /**
   * Until the directory shows the clusters seeded last in each of its slices with their reported
   * status: a slice's projection takes its events in the order they were written, so then it has
   * the clusters before them too. Polls one namespace per cluster (a partition read each), where a
   * fleet summary or a full list would scan a directory that is still being written.
   */
  private static void awaitDirectory(FleetClient client, FleetClient.Cluster[] fleet, Duration timeout) {
    // seeding has SEED_IN_FLIGHT clusters in flight, so the last written of each slice is among the
    // last ones seeded; twice that many random cluster IDs cover all DIRECTORY_SLICES (4)
    List<FleetClient.Cluster> lastOfEverySlice = new ArrayList<>(
        Arrays.asList(fleet).subList(Math.max(0, fleet.length - 2 * SEED_IN_FLIGHT), fleet.length));
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!lastOfEverySlice.isEmpty()) {
      require(System.nanoTime() < deadline, "the directory did not show " + lastOfEverySlice.size()
          + " of the last seeded clusters within " + timeout);
      lastOfEverySlice.removeIf(cluster -> FleetClient.retrying(() -> client.get(Shapes.CLUSTERS_API + "/namespaces/"
              + cluster.namespace() + "/managedclusters", client.target().adminToken()), 10).join()
          .path("items").path(0).path("status").has("readyz"));
      if (!lastOfEverySlice.isEmpty()) {
        pause();
      }
    }
  }

  /**
   * The fleet summary once it counts every cluster and was computed after {@code after}. A summary
   * is one scan of the directory: a million rows take minutes, so the first read may outlast the
   * hub's request timeout (retries wait for the same scan; later reads get its counts at once).
   */
  private static JsonNode awaitFleet(FleetClient client, int clusters, Instant after, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode summary = null;
    while (System.nanoTime() < deadline) {
      summary = FleetClient.retrying(() -> client.get(FLEET, client.target().adminToken(), timeout), 10).join();
      if (summary.path("total").asLong() == clusters && Instant.parse(summary.path("asOf").asText()).isAfter(after)) {
        return summary;
      }
      pause();
    }
    throw new IllegalStateException("the fleet summary did not count " + clusters + " clusters within " + timeout
        + ": " + summary);
  }

  private static void awaitReady(HubTarget target) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(target.sslContext()).build();
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(target.baseUrl() + "/readyz")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      pause();
    }
    throw new IllegalStateException("the restarted hub was not ready within 5 minutes");
  }

  private static void pause() {
    CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(POLL.toMillis(), TimeUnit.MILLISECONDS))
        .join();
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }
}
