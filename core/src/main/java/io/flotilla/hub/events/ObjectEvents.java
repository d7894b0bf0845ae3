package io.flotilla.hub.events;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.hub.HubMetrics;

/**
 * Events about stored objects whose status an agent reports, with Clusternet's reasons: a
 * Description that turns Success or Failure, a HelmRelease that deploys or fails. Only a change of
 * phase is an occurrence; the same report again is not.
 */
public final class ObjectEvents {
  private final EventRecorder recorder;
  private final HubMetrics metrics;

  public ObjectEvents(EventRecorder recorder, HubMetrics metrics) {
    this.recorder = recorder;
    this.metrics = metrics;
  }

  /** An object of this group and plural was written: before and after, as stored. */
  public void written(String group, String plural, JsonNode before, JsonNode after) {
    if (!group.equals("apps.clusternet.io")) {
      return;
    }
    String phase = after.path("status").path("phase").asText("");
    if (phase.isEmpty() || phase.equals(before.path("status").path("phase").asText(""))) {
      return;
    }
    JsonNode metadata = after.path("metadata");
    String name = metadata.path("name").asText();
    if (plural.equals("descriptions")) {
      metrics.descriptionPhase(phase);
      EventRecorder.Involved description = involved("Description", metadata);
      if (phase.equals("Success")) {
        recorder.record(description, EventRecorder.NORMAL, "SuccessfullyDeployed",
            "Description " + name + " is deployed successfully");
      } else if (phase.equals("Failure")) {
        recorder.record(description, EventRecorder.WARNING, "UnSuccessfullyDeployed",
            "Description " + name + " failed: " + after.path("status").path("reason").asText("no reason given"));
      }
    } else if (plural.equals("helmreleases")) {
      EventRecorder.Involved release = involved("HelmRelease", metadata);
      if (phase.equals("deployed")) {
        recorder.record(release, EventRecorder.NORMAL, "HelmReleaseDeployed", "HelmRelease " + name + " is deployed");
      } else if (phase.equals("failed")) {
        recorder.record(release, EventRecorder.WARNING, "HelmReleaseFailed", "HelmRelease " + name + " failed");
      }
    }
  }

  private static EventRecorder.Involved involved(String kind, JsonNode metadata) {
    return new EventRecorder.Involved("apps.clusternet.io/v1alpha1", kind, metadata.path("namespace").asText(),
        metadata.path("name").asText(), metadata.path("uid").asText(null));
  }
}
