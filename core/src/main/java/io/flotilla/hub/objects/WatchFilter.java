package io.flotilla.hub.objects;

import io.flotilla.api.objects.Selector;
import java.util.Map;

/**
 * What one watch sees: one kind's objects, in one namespace or all (namespace null), selected by
 * labels and by the fields metadata.name and metadata.namespace.
 */
public record WatchFilter(String group, String plural, String namespace, Selector labels, Selector fields) {
  /** Whether the object at this entity key ({@link ObjectEntity#key}) is of the kind and namespace watched. */
  boolean watches(String key) {
    String[] parts = key.split("/", 4);
    return parts[0].equals(group.isEmpty() ? "core" : group) && parts[1].equals(plural)
        && (namespace == null || parts[2].equals(namespace))
        && fields.matches(field -> switch (field) {
          case "metadata.name" -> parts[3];
          case "metadata.namespace" -> parts[2].equals("_") ? "" : parts[2];
          default -> null;
        });
  }

  boolean selects(Map<String, String> objectLabels) {
    return labels.matches(objectLabels::get);
  }
}
