package io.flotilla.hub.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.api.StatusException;
import io.flotilla.api.objects.Selector;
import io.flotilla.hub.objects.ObjectEntity;
import java.util.Map;
import java.util.Set;

/**
 * A list's or watch's labelSelector and fieldSelector (metadata.name and metadata.namespace, as
 * kube serves for custom resources; a watch of one object names it), and its limit.
 */
record Selection(Selector labels, Selector fields, long limit) {
  private static final Set<String> SELECTABLE_FIELDS = Set.of("metadata.name", "metadata.namespace");

  /** The request's selectors: 400 when one is malformed or selects an unsupported field. */
  static Selection of(ResourceHandler.Request request) {
    return of(request, SELECTABLE_FIELDS);
  }

  /** As {@link #of(ResourceHandler.Request)}, for a kind that selects on these fields. */
  static Selection of(ResourceHandler.Request request, Set<String> selectableFields) {
    String fieldSelector = request.param("fieldSelector");
    if (request.name() != null) {
      String byName = "metadata.name=" + request.name();
      fieldSelector = fieldSelector == null || fieldSelector.isBlank() ? byName : byName + "," + fieldSelector;
    }
    Selection selection;
    try {
      String limit = request.param("limit");
      selection = new Selection(Selector.parseLabels(request.param("labelSelector")), Selector.parseFields(fieldSelector),
          limit == null ? 0 : Long.parseLong(limit));
    } catch (IllegalArgumentException e) {
      throw StatusException.badRequest(e.getMessage());
    }
    selection.fields().requirements().forEach(r -> {
      if (!selectableFields.contains(r.key())) {
        throw StatusException.badRequest("field label not supported: " + r.key());
      }
    });
    return selection;
  }

  /** Whether a stored object (JSON) is selected. */
  boolean matchesStored(String stored) {
    JsonNode metadata = ObjectEntity.parseObject(stored).path("metadata");
    return labels.matches(key -> metadata.path("labels").hasNonNull(key) ? metadata.path("labels").get(key).asText() : null)
        && fields.matches(key -> metadata.path(key.substring("metadata.".length())).asText(""));
  }

  /** Whether an object (JSON) is selected, its fields read at their dotted paths (involvedObject.name, ...). */
  boolean matchesObject(JsonNode object) {
    JsonNode metadata = object.path("metadata");
    return labels.matches(key -> metadata.path("labels").hasNonNull(key) ? metadata.path("labels").get(key).asText() : null)
        && fields.matches(key -> object.at("/" + key.replace('.', '/')).asText(""));
  }

  /** Whether an object with these labels, namespace and name is selected. */
  boolean matches(Map<String, String> objectLabels, String namespace, String name) {
    return labels.matches(objectLabels::get)
        && fields.matches(key -> key.equals("metadata.name") ? name : namespace == null ? "" : namespace);
  }
}
