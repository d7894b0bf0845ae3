package io.flotilla.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetSummaryTallyTest {
  static ObjectNode cluster(Map<String, String> labels) {
    ObjectNode object = Json.MAPPER.createObjectNode();
    object.putObject("metadata").set("labels", Json.MAPPER.valueToTree(labels));
    object.putObject("spec").put("syncMode", "Pull");
    return object;
  }

  static JsonNode status(Object readyz) {
    return Json.MAPPER.valueToTree(Map.of("k8sVersion", "v1.30.2", "readyz", readyz));
  }

  @Test
  void readinessIsUnknownWhenTheHubSaysSoOrNothingWasReported() {
    assertEquals("Ready", FleetSummary.Tally.readinessOf(status(true), false));
    assertEquals("NotReady", FleetSummary.Tally.readinessOf(status(false), false));
    assertEquals("Unknown", FleetSummary.Tally.readinessOf(status(true), true));
    assertEquals("Unknown", FleetSummary.Tally.readinessOf(null, false));
    assertEquals("Unknown", FleetSummary.Tally.readinessOf(status("yes"), false));
  }

  @Test
  void aLabelWithMoreValuesThanKeptCountsTheRestAsOtherValues() {
    FleetSummary.Tally tally = new FleetSummary.Tally();
    int clusters = FleetSummary.MAX_VALUES_PER_LABEL + 5;
    for (int i = 0; i < clusters; i++) {
      tally.add(cluster(Map.of("host", "h-" + i, "region", i % 2 == 0 ? "eu" : "us")), status(true), false);
    }
    tally.add(cluster(Map.of()), null, false);
    FleetSummary.Counts counts = tally.counts(Instant.EPOCH);
    assertEquals(clusters + 1, counts.total());
    FleetSummary.LabelCounts host = counts.label("host");
    assertEquals(FleetSummary.MAX_VALUES_PER_LABEL, host.values().size());
    assertEquals(5, host.otherValues());
    assertEquals(1, host.unlabelled());
    assertEquals(Map.of("eu", (long) (clusters + 1) / 2, "us", (long) clusters / 2), counts.label("region").values());
    assertEquals(counts.total(), counts.label("absent").unlabelled());
    assertEquals(Map.of("Ready", (long) clusters, "NotReady", 0L, "Unknown", 1L), counts.readiness());
    assertEquals(Map.of("v1.30.2", (long) clusters, "unreported", 1L), counts.kubernetesVersions());
  }
}
