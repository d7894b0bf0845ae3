package io.flotilla.hub.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.PrinterColumn;
import io.flotilla.api.ResourceType;
import io.flotilla.api.StatusException;
import io.flotilla.hub.events.EventRecorder;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;

/**
 * Events, read-only, from {@link EventRecorder}'s table: core/v1 (what `kubectl describe` and
 * `kubectl get events` read) and the same events in events.k8s.io/v1's shape. Field selectors on
 * the fields kube indexes for `kubectl describe` (involvedObject.* / regarding.*, reason, type).
 */
public final class EventHandler implements ResourceHandler {
  private static final List<String> VERBS = List.of("get", "list");
  public static final ResourceType CORE = new ResourceType("", "v1", "Event", "events", "event", List.of("ev"), true,
      VERBS, List.of(), List.of(new PrinterColumn("LAST SEEN", "date", ".lastTimestamp", 0),
          PrinterColumn.of("TYPE", ".type"), PrinterColumn.of("REASON", ".reason"),
          PrinterColumn.of("OBJECT", ".involvedObject.name"), PrinterColumn.of("MESSAGE", ".message")));
  public static final ResourceType EVENTS_K8S_IO = new ResourceType("events.k8s.io", "v1", "Event", "events", "event",
      List.of("ev"), true, VERBS, List.of(), List.of(new PrinterColumn("LAST SEEN", "date", ".deprecatedLastTimestamp", 0),
          PrinterColumn.of("TYPE", ".type"), PrinterColumn.of("REASON", ".reason"),
          PrinterColumn.of("OBJECT", ".regarding.name"), PrinterColumn.of("NOTE", ".note")));
  private static final Set<String> CORE_FIELDS = Set.of("metadata.name", "metadata.namespace", "involvedObject.kind",
      "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
      "reason", "type", "reportingComponent", "source");
  private static final Set<String> EVENTS_K8S_IO_FIELDS = Set.of("metadata.name", "metadata.namespace", "regarding.kind",
      "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion", "reason", "type",
      "reportingController");

  private final ResourceType type;
  private final Set<String> fields;
  private final UnaryOperator<ObjectNode> shape;
  private final EventRecorder events;

  private EventHandler(ResourceType type, Set<String> fields, UnaryOperator<ObjectNode> shape, EventRecorder events) {
    this.type = type;
    this.fields = fields;
    this.shape = shape;
    this.events = events;
  }

  /** Both API versions' handlers over one store. */
  public static List<ResourceHandler> both(EventRecorder events) {
    return List.of(new EventHandler(CORE, CORE_FIELDS, UnaryOperator.identity(), events),
        new EventHandler(EVENTS_K8S_IO, EVENTS_K8S_IO_FIELDS, EventHandler::eventsK8sIo, events));
  }

  @Override
  public ResourceType type() {
    return type;
  }

  @Override
  public CompletionStage<Response> get(Request request) {
    requireReader(request);
    return events.get(request.namespace(), request.name()).thenApply(event -> Response.ok(
        shape.apply(event.orElseThrow(() -> StatusException.notFound(type, request.name())))));
  }

  @Override
  public CompletionStage<Response> list(Request request) {
    requireReader(request);
    Selection selection = Selection.of(request, fields);
    return events.list(request.namespace()).thenApply(all -> {
      ObjectNode list = Json.MAPPER.createObjectNode().put("apiVersion", type.groupVersion()).put("kind", type.listKind());
      list.putObject("metadata").put("resourceVersion", "");
      var items = list.putArray("items");
      all.stream().map(shape).filter(selection::matchesObject)
          .limit(selection.limit() > 0 ? selection.limit() : Long.MAX_VALUE).forEach(items::add);
      return Response.ok(list);
    });
  }

  private void requireReader(Request request) {
    if (!request.principal().readsFleet()) {
      throw StatusException.forbidden("this token may not read events");
    }
  }

  /** A core/v1 Event in events.k8s.io/v1's field names. */
  static ObjectNode eventsK8sIo(ObjectNode core) {
    ObjectNode event = Json.MAPPER.createObjectNode().put("apiVersion", "events.k8s.io/v1").put("kind", "Event");
    event.set("metadata", core.get("metadata"));
    event.set("regarding", core.get("involvedObject"));
    event.put("note", core.path("message").asText()).put("reason", core.path("reason").asText())
        .put("type", core.path("type").asText()).put("reportingController", EventRecorder.COMPONENT)
        .put("reportingInstance", "").put("action", core.path("reason").asText())
        .put("eventTime", core.path("firstTimestamp").asText().replace("Z", ".000000Z"))
        .put("deprecatedCount", core.path("count").asLong())
        .put("deprecatedFirstTimestamp", core.path("firstTimestamp").asText())
        .put("deprecatedLastTimestamp", core.path("lastTimestamp").asText());
    JsonNode source = core.get("source");
    if (source != null) {
      event.set("deprecatedSource", source);
    }
    return event;
  }
}
