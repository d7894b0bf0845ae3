package io.flotilla.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue #8's smoke run: 1,000 simulated agents against a hub started here (embedded Cassandra).
 * It asserts that the harness and the protocols it speaks work (every agent registered, its tunnel
 * open and answering proxied requests, heartbeats accepted, a Subscription's Descriptions delivered
 * by watch to every agent and reported), never how fast: speed is the opt-in
 * {@code bin/flotilla bench fleet}'s business.
 */
class FleetSimulatorTest {
  static final int AGENTS = 1_000;

  @Test
  void aThousandAgentsRegisterReportOpenTunnelsAndPullTheirDescriptions() throws Exception {
    try (HubTarget target = HubTarget.fromSystemProperties()) {
      FleetBenchmark.Result result = FleetBenchmark.run(target,
          new FleetSimulator.Options(AGENTS, Duration.ofSeconds(30), true, true, 64), Duration.ofSeconds(10), true,
          Duration.ofMinutes(5));

      assertEquals(AGENTS, result.tunnelsUp(), "every agent's tunnel is open");
      // after its first report, each agent reports every 30 s from a random start: from its start to the
      // end (the registrations after it, the 10 s window, the fan-out) at least one each
      assertTrue(result.heartbeatsOk() >= AGENTS, "heartbeats accepted: " + result.heartbeatsOk());
      assertEquals(AGENTS, result.descriptionsReported(), "every agent reported the Subscription's Description");
      assertEquals(200, result.proxiedOk(), "every proxied request answered by the simulated child");
    }
  }
}
