package io.flotilla.hub.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.PrinterColumn;
import io.flotilla.api.ResourceType;
import io.flotilla.api.StatusException;
import io.flotilla.api.Times;
import io.flotilla.hub.cluster.FleetSummary;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The fleet at a glance: {@code GET /apis/fleet.flotilla.io/v1alpha1/fleetsummaries/fleet}
 * (optionally {@code ?labelKey=region}), for the admin and viewers. One object, named fleet, whose
 * creationTimestamp is when its counts were taken (so kubectl's AGE says how old they are).
 */
public final class FleetSummaryHandler implements ResourceHandler {
  public static final String NAME = "fleet";
  public static final ResourceType TYPE = new ResourceType("fleet.flotilla.io", "v1alpha1", "FleetSummary",
      "fleetsummaries", "fleetsummary", List.of("fleet"), false, List.of("get"), List.of(),
      List.of(PrinterColumn.of("CLUSTERS", ".total"), PrinterColumn.of("READY", ".readiness.Ready"),
          PrinterColumn.of("NOT READY", ".readiness.NotReady"), PrinterColumn.of("UNKNOWN", ".readiness.Unknown"),
          PrinterColumn.age()));

  private final FleetSummary summary;

  public FleetSummaryHandler(FleetSummary summary) {
    this.summary = summary;
  }

  @Override
  public ResourceType type() {
    return TYPE;
  }

  @Override
  public CompletionStage<Response> get(Request request) {
    if (!request.principal().readsFleet()) {
      throw StatusException.forbidden("this token may not read the fleet summary");
    }
    if (!NAME.equals(request.name())) {
      throw StatusException.notFound(TYPE, request.name());
    }
    String labelKey = request.param("labelKey");
    return summary.current().thenApply(counts -> Response.ok(toObject(counts, labelKey)));
  }

  static ObjectNode toObject(FleetSummary.Counts counts, String labelKey) {
    ObjectNode object = Json.MAPPER.createObjectNode().put("kind", TYPE.kind()).put("apiVersion", TYPE.groupVersion());
    String asOf = Times.format(counts.asOf());
    object.putObject("metadata").put("name", NAME).put("creationTimestamp", asOf);
    object.put("asOf", asOf).put("total", counts.total());
    object.set("readiness", Json.MAPPER.valueToTree(counts.readiness()));
    object.set("kubernetesVersions", Json.MAPPER.valueToTree(counts.kubernetesVersions()));
    object.set("syncModes", Json.MAPPER.valueToTree(counts.syncModes()));
    object.set("labelKeys", Json.MAPPER.valueToTree(counts.labels().keySet()));
    if (labelKey != null && !labelKey.isEmpty()) {
      FleetSummary.LabelCounts label = counts.label(labelKey);
      ObjectNode node = object.putObject("label").put("key", labelKey);
      node.set("values", Json.MAPPER.valueToTree(label.values()));
      node.put("otherValues", label.otherValues()).put("unlabelled", label.unlabelled());
    }
    return object;
  }
}
