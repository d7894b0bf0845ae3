package io.flotilla.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.api.JvmDefaults;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A simulated fleet against a hub ({@link FleetSimulator}): registers N agents, opens their tunnels
 * and watches, runs their heartbeats for a while, fans one Subscription out to all of them, proxies
 * a sample of requests through their tunnels, and prints what each step achieved.
 *
 * <pre>
 * bin/flotilla bench fleet [--agents 1000] [--heartbeat-seconds 180] [--duration-seconds 60]
 *     [--tunnels true] [--pull true] [--fanout true] [--concurrency 64]
 *     [--nodes 1 | --hub https://host:port[,https://host:port...] --hub-home DIR]
 * </pre>
 * Without --hub it starts a hub of --nodes nodes in this JVM (embedded Cassandra in a child JVM), so
 * heap figures are of hub and simulator together: an upper bound for the hub's. Agents are spread over
 * the nodes round robin (their tunnel and watch stay on one node; other requests take turns).
 */
public final class FleetBenchmark {

  /** What a run achieved. */
  public record Result(int agents, double registrationsPerSecond, double tunnelsUpSeconds, int tunnelsUp,
      long heartbeatsOk, long heartbeatsFailed, double heartbeatsPerSecond, long heartbeatP50, long heartbeatP99,
      long descriptionsReported, double fanOutSeconds, int proxiedOk, long proxyP50, long proxyP99,
      long heapBytesPerAgent) {}

  private FleetBenchmark() {}

  public static void main(String[] args) throws Exception {
    JvmDefaults.apply();
    Map<String, String> options = RegistrationBenchmark.parse(args);
    System.setProperty("hubNodes", options.getOrDefault("nodes", "1"));
    if (options.containsKey("hub")) {
      System.setProperty("hub", options.get("hub"));
      System.setProperty("hubHome", options.getOrDefault("hub-home", ""));
    }
    FleetSimulator.Options simulation = new FleetSimulator.Options(
        Integer.parseInt(options.getOrDefault("agents", "1000")),
        Duration.ofSeconds(Long.parseLong(options.getOrDefault("heartbeat-seconds", "180"))),
        Boolean.parseBoolean(options.getOrDefault("tunnels", "true")),
        Boolean.parseBoolean(options.getOrDefault("pull", "true")),
        Integer.parseInt(options.getOrDefault("concurrency", "64")));
    try (HubTarget target = HubTarget.fromSystemProperties()) {
      run(target, simulation, Duration.ofSeconds(Long.parseLong(options.getOrDefault("duration-seconds", "60"))),
          Boolean.parseBoolean(options.getOrDefault("fanout", "true")), Duration.ofMinutes(30));
    }
    System.exit(0);
  }

  /** Runs the whole benchmark and prints each figure as it is measured. */
  public static Result run(HubTarget target, FleetSimulator.Options options, Duration steady, boolean fanOut,
      Duration deadline) throws Exception {
    System.out.printf("%nFlotilla fleet simulation: %d agents (tunnels %s, pull %s), heartbeat %d s, %d cores, "
            + "hub %s%n", options.agents(), options.tunnels(), options.pull(), options.heartbeat().toSeconds(),
        Runtime.getRuntime().availableProcessors(), (target.local() != null ? "in this JVM, " : "")
            + target.nodeUrls().size() + " node(s) " + target.nodeUrls());
    long heapBefore = usedHeapAfterGc();
    try (FleetSimulator fleet = new FleetSimulator(target, options)) {
      long start = System.nanoTime();
      fleet.start(i -> Map.of());
      double registrationSeconds = seconds(start);
      double registrationsPerSecond = options.agents() / registrationSeconds;
      System.out.printf("registered %d agents (request, poll, first status; each then starts) in %.1f s: %.0f /s%n", options.agents(),
          registrationSeconds, registrationsPerSecond);

      double tunnelsUpSeconds = 0;
      if (options.tunnels()) {
        long tunnelsStart = System.nanoTime();
        await(deadline, "every tunnel open", () -> fleet.tunnelsUp.get() >= options.agents(), fleet::progress);
        tunnelsUpSeconds = seconds(tunnelsStart);
        System.out.printf("tunnels: %d open, the last %.1f s after the last registration%n", fleet.tunnelsUp.get(),
            tunnelsUpSeconds);
      }

      long okBefore = fleet.heartbeatsOk();
      long steadyStart = System.nanoTime();
      long failedBefore = fleet.heartbeatsFailed.sum();
      // CPU from the window's second third on: the first settles what the connecting left behind
      CpuTimes cpuBefore = CpuTimes.now();
      long cpuFrom = steady.toSeconds() - steady.toSeconds() * 2 / 3;
      for (long left = steady.toSeconds(); left > 0; left -= 10) {
        TimeUnit.SECONDS.sleep(Math.min(10, left)); // a measurement window, not a wait for state
        System.out.printf("  %s%n", fleet.progress());
        if (steady.toSeconds() - left + Math.min(10, left) <= cpuFrom) {
          cpuBefore = CpuTimes.now();
        }
      }
      double heartbeatsPerSecond = (fleet.heartbeatsOk() - okBefore) / seconds(steadyStart);
      CpuTimes cpu = CpuTimes.now().since(cpuBefore);
      System.out.printf("CPU in the window's last two thirds (all connected, nothing deployed): machine %.0f %% of %d "
              + "cores; this JVM %.2f cores = %.0f µs per agent per second%n", 100 * cpu.machineShare(),
          Runtime.getRuntime().availableProcessors(), cpu.jvmCores(),
          cpu.jvmCores() * 1e6 / options.agents());
      long failed = fleet.heartbeatsFailed.sum() - failedBefore;
      System.out.printf("heartbeats in the %d s window: %.0f /s ok, %d failed (offered %.0f /s); all run: p50 %d ms, "
              + "p99 %d ms%n", steady.toSeconds(), heartbeatsPerSecond, failed,
          options.agents() / (double) options.heartbeat().toSeconds(), fleet.heartbeatLatency.percentile(0.5),
          fleet.heartbeatLatency.percentile(0.99));

      long reported = 0;
      double fanOutSeconds = 0;
      if (fanOut && options.pull()) {
        String uid = subscribe(fleet);
        long fanOutStart = System.nanoTime();
        await(deadline, "every agent reported the Subscription's Description",
            () -> fleet.reported(uid) >= options.agents(), () -> fleet.reported(uid) + " reported; " + fleet.progress());
        fanOutSeconds = seconds(fanOutStart);
        reported = fleet.reported(uid);
        System.out.printf("fan-out: a Subscription selecting all %d clusters: every Description rendered, delivered "
            + "by watch and reported Success in %.1f s%n", options.agents(), fanOutSeconds);
      }

      int proxiedOk = 0;
      Latencies proxy = new Latencies();
      if (options.tunnels()) {
        proxiedOk = proxySample(target, fleet.clusters(), 200, proxy);
        System.out.printf("proxy through random agents' tunnels: %d of 200 GETs answered by the simulated child, "
            + "p50 %d ms, p99 %d ms%n", proxiedOk, proxy.percentile(0.5), proxy.percentile(0.99));
      }

      System.out.printf("failures by step and reason: %s%n", fleet.failures());
      long heapPerAgent = target.local() != null ? (usedHeapAfterGc() - heapBefore) / options.agents() : -1;
      if (heapPerAgent >= 0) {
        System.out.printf("heap after GC, hub and simulator together: %d bytes per agent (an upper bound for the "
            + "hub's heap per active cluster)%n", heapPerAgent);
      }
      return new Result(options.agents(), registrationsPerSecond, tunnelsUpSeconds, fleet.tunnelsUp.get(),
          fleet.heartbeatsOk(), fleet.heartbeatsFailed.sum(), heartbeatsPerSecond,
          fleet.heartbeatLatency.percentile(0.5), fleet.heartbeatLatency.percentile(0.99), reported, fanOutSeconds,
          proxiedOk, proxy.percentile(0.5), proxy.percentile(0.99), heapPerAgent);
    }
  }

  /** A Namespace feed and a Subscription (Replication) selecting the run's clusters; its uid. */
  private static String subscribe(FleetSimulator fleet) {
    String namespace = "sim-" + fleet.runId();
    fleet.client().create("/api/v1/namespaces",
        "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + namespace + "\"}}");
    JsonNode subscription = fleet.client().create(Shapes.APPS_API + "/namespaces/" + namespace + "/subscriptions", """
        {"apiVersion":"apps.clusternet.io/v1alpha1","kind":"Subscription",
         "metadata":{"name":"fleet","namespace":"%s"},
         "spec":{"subscribers":[{"clusterAffinity":{"matchLabels":{"%s":"%s"}}}],
          "feeds":[{"apiVersion":"v1","kind":"Namespace","name":"%s"}]}}
        """.formatted(namespace, FleetSimulator.RUN_LABEL, fleet.runId(), namespace));
    return subscription.path("metadata").path("uid").asText();
  }

  /** GETs /version of random clusters through the hub's proxy, one after another; how many were answered. */
  private static int proxySample(HubTarget target, List<FleetClient.Cluster> clusters, int requests,
      Latencies latencies) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(target.sslContext()).build();
    int ok = 0;
    for (int i = 0; i < requests; i++) {
      FleetClient.Cluster cluster = clusters.get(ThreadLocalRandom.current().nextInt(clusters.size()));
      long start = System.nanoTime();
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(target.baseUrl()
              + "/apis/proxies.clusternet.io/v1alpha1/sockets/" + cluster.clusterId() + "/proxy/direct/version"))
          .header("Authorization", "Bearer " + target.adminToken()).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200 && response.body().equals(FleetSimulator.CHILD_ANSWER)) {
        latencies.record(System.nanoTime() - start);
        ok++;
      }
    }
    return ok;
  }

  /** Polls with a deadline, printing {@code progress} every 10 s. */
  private static void await(Duration deadline, String what, BooleanSupplier condition, Supplier<String> progress)
      throws InterruptedException {
    long start = System.nanoTime();
    long end = start + deadline.toNanos();
    long nextProgress = start + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException("not reached within " + deadline + ": " + what + " (" + progress.get() + ")");
      }
      if (System.nanoTime() > nextProgress) {
        System.out.printf("  waiting for %s: %s%n", what, progress.get());
        nextProgress += TimeUnit.SECONDS.toNanos(10);
      }
      TimeUnit.MILLISECONDS.sleep(100); // polling with a deadline
    }
  }

  /**
   * CPU used between two readings: the machine's busy share (/proc/stat, so Cassandra's child JVM counts too) and
   * this JVM's CPU time in cores.
   */
  private record CpuTimes(long machineBusy, long machineTotal, long jvmNanos, long wallNanos) {
    static CpuTimes now() {
      long busy = 0;
      long total = 0;
      try {
        String[] fields = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim()
            .split("\\s+");
        for (int i = 1; i < fields.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
          long jiffies = Long.parseLong(fields[i]);
          total += jiffies;
          busy += i == 4 || i == 5 ? 0 : jiffies;
        }
      } catch (java.io.IOException | RuntimeException e) {
        // no /proc (not Linux): the machine's share reads as 0
      }
      long jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
      return new CpuTimes(busy, total, jvm, System.nanoTime());
    }

    CpuTimes since(CpuTimes before) {
      return new CpuTimes(machineBusy - before.machineBusy, machineTotal - before.machineTotal,
          jvmNanos - before.jvmNanos, wallNanos - before.wallNanos);
    }

    double machineShare() {
      return machineTotal == 0 ? 0 : machineBusy / (double) machineTotal;
    }

    double jvmCores() {
      return jvmNanos / (double) wallNanos;
    }
  }

  static long usedHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
