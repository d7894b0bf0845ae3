package io.flotilla.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.flotilla.persistence.EmbeddedCassandra;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #9: Cassandra is killed (SIGKILL, no drain) while agents register and report, then started
 * again on the same data directory and port. While it is gone the hub says so: /readyz and API
 * writes answer 503 (writes as a Kubernetes Status, ServiceUnavailable), never a 500, a 504 or no
 * answer. Once it is back the same hub recovers by itself, and no write it acknowledged (before,
 * during or after the outage) is lost: every one is read back through that hub, its cluster
 * directory, and a fresh hub on the same keyspace (whose entities can only know what Cassandra kept).
 *
 * <p>Its own Cassandra (a dedicated child JVM, not the shared EmbeddedCassandraExtension's, which
 * other test classes use), always closed in the end.
 */
class CassandraOutageTest {
  private static final Logger log = LoggerFactory.getLogger(CassandraOutageTest.class);

  static final String CRRS = "/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests";
  static final String MCLS = "/apis/clusters.clusternet.io/v1beta1/managedclusters";
  static final String LABEL = "outage-test";
  /** Requests in flight: a few agents at once. */
  static final int AGENTS = 3;
  /** How an agent paces itself after an answer other than 2xx (agents retry with backoff). */
  static final Duration RETRY_AFTER = Duration.ofMillis(200);
  static final Duration WITHIN = Duration.ofSeconds(90);
  static final Duration POLL = Duration.ofMillis(250);
  /** The HTTP client gives up on an answer after this (HubClient's request timeout). */
  static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

  enum Phase { BEFORE, DOWN, BACK }

  @TempDir
  Path tmp;

  @Test
  void theHubAnswers503WhileCassandraIsGoneAndRecoversWithoutLosingAnAcknowledgedWrite() throws Exception {
    Path data = tmp.resolve("cassandra");
    Path home = tmp.resolve("home");
    AtomicReference<EmbeddedCassandra> cassandra = new AtomicReference<>(EmbeddedCassandra.start(data));
    try {
      int port = cassandra.get().port();
      Config config = TestHubs.config(cassandra.get().contactPoint(), "outage");
      Load load;
      try (TestHubs.Running running = TestHubs.start(home, config)) {
        HubClient client = running.client();
        TestProbe<Void> probe = TestProbe.create(running.hub().system());
        String admin = running.home().adminToken();
        load = new Load(client, running.home().bootstrapToken());
        try {
          // ---- under load
          load.start();
          probe.awaitAssert(WITHIN, POLL, () -> {
            assertTrue(load.acknowledged(Phase.BEFORE) >= 20, "registrations before the outage: " + load);
            return null;
          });
          JsonNode before = load.registered.peek().crr();

          // ---- Cassandra killed
          long killedAt = System.nanoTime();
          load.phase.set(Phase.DOWN);
          cassandra.get().kill();
          log.info("Cassandra killed (SIGKILL) after {} acknowledged registrations", load.registered.size());

          probe.awaitAssert(Duration.ofSeconds(30), POLL, () -> {
            HubClient.Reply ready = client.get("/readyz", null);
            assertEquals(503, ready.code(), ready.body());
            assertTrue(ready.body().contains("cassandra"), ready.body());
            return null;
          });
          log.info("/readyz answers 503 {} ms after the kill", millisSince(killedAt));

          // a new registration, and a status report that changes a cluster's status: each a 503 Status
          // in less than the client's timeout
          JsonNode refused = timed(() -> client.register(running.home().bootstrapToken(), Map.of(LABEL, "refused")));
          assertUnavailable(refused);
          JsonNode refusedReport = timed(() -> client.put(HubClient.managedClusterPath(before) + "/status",
              before.at("/status/token").asText(), HubClient.statusReport(before, "v1.99.0")));
          assertUnavailable(refusedReport);

          // the agents keep trying for a while: every answer a 503
          probe.awaitAssert(WITHIN, POLL, () -> {
            assertTrue(millisSince(killedAt) >= 20_000, "outage shorter than 20 s");
            assertTrue(load.count(Phase.DOWN, 503) >= 2 * AGENTS, "503s answered to the agents: " + load);
            return null;
          });

          // ---- Cassandra back: same directory, same port; the hub is not restarted
          long restartAt = System.nanoTime();
          cassandra.set(EmbeddedCassandra.start(data));
          load.phase.set(Phase.BACK);
          assertEquals(port, cassandra.get().port(), "Cassandra restarted on the port the hub's driver knows");
          log.info("Cassandra restarted in {} ms; outage {} ms", millisSince(restartAt), millisSince(killedAt));

          long backAt = System.nanoTime();
          probe.awaitAssert(WITHIN, POLL, () -> {
            HubClient.Reply ready = client.get("/readyz", null);
            assertEquals(200, ready.code(), ready.body());
            return null;
          });
          log.info("/readyz answers 200 {} ms after Cassandra was back", millisSince(backAt));
          probe.awaitAssert(WITHIN, POLL, () -> {
            assertTrue(load.acknowledged(Phase.BACK) >= 10, "registrations after the outage: " + load);
            return null;
          });
          log.info("10 registrations acknowledged {} ms after Cassandra was back", millisSince(backAt));
        } finally {
          load.close();
        }
        log.info("Load done: {}", load);

        // ---- what the agents were told: 503 while Cassandra was gone, never a 500 or no answer; while
        // the hub recovers, a request can still time out (504: its entity restarting with backoff)
        for (Phase phase : Phase.values()) {
          Set<Integer> failures = new HashSet<>(load.codes(phase).keySet());
          failures.removeIf(code -> code >= 200 && code < 300);
          failures.removeAll(phase == Phase.BACK ? Set.of(503, 504) : Set.of(503));
          assertEquals(Set.of(), failures, "unexpected answers " + phase + " the outage: " + load);
        }

        // ---- nothing acknowledged is lost: read through the same hub, then through its directory
        verify(client, admin, probe, load);
        probe.awaitAssert(WITHIN, POLL, () -> {
          JsonNode listed = client.get(MCLS + "?labelSelector=" + LABEL + "%3D" + load.run, admin).json();
          Map<String, JsonNode> byClusterId = new TreeMap<>();
          listed.at("/items").forEach(item -> byClusterId.put(item.at("/spec/clusterId").asText(), item));
          for (Load.Ack ack : load.registered) {
            String clusterId = ack.crr().at("/spec/clusterId").asText();
            assertTrue(byClusterId.containsKey(clusterId), "cluster directory lists " + clusterId);
          }
          return null;
        });
      }

      // ---- and through a fresh hub: its entities know only what Cassandra kept
      try (TestHubs.Running fresh = TestHubs.start(home, config)) {
        verify(fresh.client(), fresh.home().adminToken(), TestProbe.create(fresh.hub().system()), load);
      }
    } finally {
      cassandra.get().close(); // after the hubs: they write while they stop
    }
  }

  /** Every acknowledged registration is readable (request and cluster), with its acknowledged status. */
  static void verify(HubClient client, String admin, TestProbe<Void> probe, Load load) {
    Set<String> verified = ConcurrentHashMap.newKeySet();
    probe.awaitAssert(WITHIN, POLL, () -> {
      for (Load.Ack ack : load.registered) {
        JsonNode crr = ack.crr();
        String clusterId = crr.at("/spec/clusterId").asText();
        if (verified.contains(clusterId)) {
          continue;
        }
        String what = "cluster registered " + ack.phase() + " the outage: ";
        HubClient.Reply request = client.get(CRRS + "/clusternet-" + clusterId, admin);
        assertEquals(200, request.code(), what + request.body());
        assertEquals(crr.at("/status/token").asText(), request.text("/status/token"), what);
        assertEquals(crr.at("/status/dedicatedNamespace").asText(), request.text("/status/dedicatedNamespace"), what);
        HubClient.Reply cluster = client.get(HubClient.managedClusterPath(crr), admin);
        assertEquals(200, cluster.code(), what + cluster.body());
        assertEquals(clusterId, cluster.text("/spec/clusterId"), what);
        String reported = load.reported.get(clusterId);
        if (reported != null) {
          assertEquals(reported, cluster.text("/status/k8sVersion"), what + "its acknowledged status report");
        }
        verified.add(clusterId);
      }
      return null;
    });
    log.info("{} acknowledged registrations and {} acknowledged status reports read back", verified.size(),
        load.reported.size());
  }

  static void assertUnavailable(JsonNode status) {
    assertEquals("Status", status.at("/kind").asText(), status.toString());
    assertEquals(503, status.at("/code").asInt(), status.toString());
    assertEquals("ServiceUnavailable", status.at("/reason").asText(), status.toString());
    assertTrue(status.at("/details/retryAfterSeconds").asInt() > 0, status.toString());
  }

  /** The reply's JSON; it came well within the client's timeout. */
  static JsonNode timed(Supplier<HubClient.Reply> request) {
    long begin = System.nanoTime();
    HubClient.Reply reply = request.get();
    long millis = millisSince(begin);
    log.info("answered {} in {} ms: {}", reply.code(), millis, reply.body());
    assertTrue(millis < CLIENT_TIMEOUT.toMillis() / 2, "answered in " + millis + " ms");
    return reply.json();
  }

  static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  /**
   * A few agents, each registering a new cluster and then reporting its status, over and over until
   * closed; every answer is counted by phase (the phase when it came), every 2xx remembered.
   */
  static final class Load implements AutoCloseable {
    record Ack(JsonNode crr, Phase phase) {}

    final String run = Long.toHexString(System.nanoTime());
    final AtomicReference<Phase> phase = new AtomicReference<>(Phase.BEFORE);
    final Queue<Ack> registered = new ConcurrentLinkedQueue<>();
    /** clusterId -> the k8sVersion of its acknowledged status report. */
    final ConcurrentMap<String, String> reported = new ConcurrentHashMap<>();
    /** code -1: no answer within the client's timeout (or no connection). */
    private final Map<Phase, ConcurrentMap<Integer, AtomicInteger>> codes = new EnumMap<>(Phase.class);
    private final HubClient client;
    private final String bootstrapToken;
    private final ExecutorService agents = Executors.newFixedThreadPool(AGENTS);
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicInteger sequence = new AtomicInteger();

    Load(HubClient client, String bootstrapToken) {
      this.client = client;
      this.bootstrapToken = bootstrapToken;
      for (Phase p : Phase.values()) {
        codes.put(p, new ConcurrentHashMap<>());
      }
    }

    void start() {
      for (int i = 0; i < AGENTS; i++) {
        agents.execute(this::agent);
      }
    }

    private void agent() {
      try {
        while (stop.getCount() > 0) {
          HubClient.Reply registration = call(() -> client.register(bootstrapToken, Map.of(LABEL, run)));
          if (registration == null || registration.code() != 201) {
            pause();
            continue;
          }
          JsonNode crr = registration.json();
          registered.add(new Ack(crr, phase.get()));
          String version = "v1.30." + sequence.incrementAndGet();
          HubClient.Reply report = call(() -> client.put(HubClient.managedClusterPath(crr) + "/status",
              crr.at("/status/token").asText(), HubClient.statusReport(crr, version)));
          if (report != null && report.code() == 200) {
            reported.put(crr.at("/spec/clusterId").asText(), version);
          } else {
            pause();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException | Error e) {
        log.error("agent failed", e);
        codes.get(phase.get()).computeIfAbsent(-2, c -> new AtomicInteger()).incrementAndGet();
      }
    }

    private HubClient.Reply call(Supplier<HubClient.Reply> request) {
      HubClient.Reply reply;
      try {
        reply = request.get();
      } catch (AssertionError e) { // HubClient's: no answer
        log.warn("no answer: {}", String.valueOf(e.getCause()));
        reply = null;
      }
      codes.get(phase.get()).computeIfAbsent(reply == null ? -1 : reply.code(), c -> new AtomicInteger())
          .incrementAndGet();
      if (reply != null && (reply.code() < 200 || reply.code() >= 300) && reply.code() != 503) {
        log.warn("answered {}: {}", reply.code(), reply.body());
      }
      return reply;
    }

    private void pause() throws InterruptedException {
      stop.await(RETRY_AFTER.toMillis(), TimeUnit.MILLISECONDS);
    }

    int acknowledged(Phase p) {
      return (int) registered.stream().filter(ack -> ack.phase() == p).count();
    }

    int count(Phase p, int code) {
      AtomicInteger count = codes.get(p).get(code);
      return count == null ? 0 : count.get();
    }

    Map<Integer, AtomicInteger> codes(Phase p) {
      return codes.get(p);
    }

    @Override
    public void close() throws InterruptedException {
      stop.countDown();
      agents.shutdown();
      if (!agents.awaitTermination(CLIENT_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS)) {
        agents.shutdownNow();
        fail("the agents did not stop");
      }
    }

    @Override
    public String toString() {
      Map<Phase, Map<Integer, AtomicInteger>> sorted = new EnumMap<>(Phase.class);
      codes.forEach((p, c) -> sorted.put(p, new TreeMap<>(c)));
      return "answers by phase " + sorted + ", registrations acknowledged " + registered.size()
          + ", status reports acknowledged " + reported.size();
    }
  }
}
