package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.api.ManagedCluster;
import java.net.URI;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusReporterTest {
  static final ParentCredential CREDENTIAL =
      new ParentCredential(URI.create("https://hub:6443"), "id.secret", "clusternet-abcde", "edge-1", null);
  static final String REGION = "node.clusternet.io/region";
  static final String ZONE = "node.clusternet.io/zone";

  static StatusCollector.Snapshot snapshot(Map<String, String> labels) {
    ManagedCluster.ClusterStatus status = new ManagedCluster.ClusterStatus(null, "v1.30.2", "dev", "linux/amd64",
        "http://127.0.0.1:1", true, true, true, false, false, Map.of(), Map.of(), null, null,
        new ManagedCluster.NodeStatistics(3, 0, 0, 0), null, null, List.of(), 1L);
    return new StatusCollector.Snapshot(status, labels, Instant.now());
  }

  @Test
  void patchesOnlyLabelsThatChangedThenPutsTheStatus() throws HubException {
    FakeHub hub = new FakeHub();
    hub.labels.put("clusters.clusternet.io/cluster-id", "x");
    hub.labels.put("node.clusternet.io/rack", "r1"); // applied by an earlier agent, no longer aggregated
    StatusReporter reporter = new StatusReporter(hub, List.of("node.clusternet.io/"));

    reporter.report(CREDENTIAL, snapshot(Map.of(REGION, "sandbox", ZONE, "a")));
    Map<String, String> first = new HashMap<>();
    first.put(REGION, "sandbox");
    first.put(ZONE, "a");
    first.put("node.clusternet.io/rack", null);
    assertEquals(List.of(first), hub.patches);
    assertEquals(1, hub.reports.size());
    assertEquals("edge-1", hub.reports.get(0).metadata().name());
    assertEquals("clusternet-abcde", hub.reports.get(0).metadata().namespace());
    assertEquals("clusters.clusternet.io/v1beta1", hub.reports.get(0).apiVersion());

    // unchanged labels: no patch, only the status
    reporter.report(CREDENTIAL, snapshot(Map.of(REGION, "sandbox", ZONE, "a")));
    assertEquals(1, hub.patches.size());
    // one change, one removal
    reporter.report(CREDENTIAL, snapshot(Map.of(REGION, "east")));
    Map<String, String> second = new HashMap<>();
    second.put(REGION, "east");
    second.put(ZONE, null);
    assertEquals(second, hub.patches.get(1));
    assertEquals(3, hub.reports.size());
    assertEquals(1, hub.calls.stream().filter(c -> c.startsWith("GET mcls")).count(), "the hub is read once");
    assertEquals(Map.of("clusters.clusternet.io/cluster-id", "x", REGION, "east"), hub.labels);
  }

  @Test
  void aHubWithoutLabelPatchesStillGetsTheStatus() throws HubException {
    FakeHub hub = new FakeHub();
    hub.patchFailure = new HubException(405, "MethodNotAllowed", "PATCH not allowed");
    StatusReporter reporter = new StatusReporter(hub, List.of("node.clusternet.io/"));
    reporter.report(CREDENTIAL, snapshot(Map.of(REGION, "sandbox")));
    reporter.report(CREDENTIAL, snapshot(Map.of(REGION, "sandbox")));
    assertEquals(2, hub.reports.size());
    assertEquals(2, hub.calls.stream().filter(c -> c.startsWith("PATCH")).count(), "retried with the next report");
  }

  @Test
  void unauthorizedIsThrownForTheAgentToRegisterAgainAndResetRereadsTheCluster() throws HubException {
    FakeHub hub = new FakeHub();
    StatusReporter reporter = new StatusReporter(hub, List.of("node.clusternet.io/"));
    reporter.report(CREDENTIAL, snapshot(Map.of(REGION, "sandbox")));

    hub.statusFailure = new HubException(401, "Unauthorized", "token revoked");
    HubException e = assertThrows(HubException.class, () -> reporter.report(CREDENTIAL, snapshot(Map.of(REGION,
        "sandbox"))));
    assertTrue(e.unauthorized());

    // a new registration: a fresh ManagedCluster without labels
    hub.statusFailure = null;
    hub.labels.clear();
    reporter.reset();
    reporter.report(CREDENTIAL, snapshot(Map.of(REGION, "sandbox")));
    assertEquals(Map.of(REGION, "sandbox"), hub.labels);
    assertEquals(2, hub.calls.stream().filter(c -> c.startsWith("GET mcls")).count());

    hub.patchFailure = new HubException(401, "Unauthorized", "token revoked");
    reporter.reset();
    hub.labels.clear();
    assertThrows(HubException.class, () -> reporter.report(CREDENTIAL, snapshot(Map.of(REGION, "sandbox"))));
  }
}
