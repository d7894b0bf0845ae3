package io.flotilla.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The restart benchmark's smoke run: 1,000 clusters seeded into the journal of a hub started here,
 * the hub restarted. It asserts what the benchmark relies on (seeded clusters are listed, readable
 * by path and accept their own tokens after the restart, none turns Unknown), never how fast: speed
 * is the opt-in {@code bin/flotilla bench restart}'s business.
 */
class RestartBenchmarkTest {
  static final int CLUSTERS = 1_000;

  @Test
  void aSeededFleetIsListedReadAndReportsAfterAFullRestart() throws Exception {
    try (LocalHub hub = LocalHub.start()) {
      RestartBenchmark.Result result = RestartBenchmark.run(hub, CLUSTERS, 32, 100);

      assertEquals(CLUSTERS, result.listed(), "every seeded cluster listed after the restart");
      assertEquals(0, result.reads().failures(), "every cluster read by path");
      assertEquals(0, result.catchUp().failures(), "every cluster's report accepted with its own token");
      assertEquals(CLUSTERS, result.readyAfter(), "every cluster Ready in the fleet summary");
      assertEquals(0, result.unknownAfter(), "no cluster Unknown");
    }
  }
}
