package io.flotilla.hub.objects.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Validation;
import java.util.ArrayList;
import java.util.List;

/** Checks and defaults on schemaless JSON, with kube's cause wording; field paths are as users write them. */
final class Fields {
  private Fields() {}

  /** The value at a field, or null when it is absent or null. */
  static JsonNode get(JsonNode parent, String field) {
    JsonNode value = parent.get(field);
    return value == null || value.isNull() ? null : value;
  }

  static void defaultValue(ObjectNode parent, String field, String value) {
    if (get(parent, field) == null) {
      parent.put(field, value);
    }
  }

  static void defaultValue(ObjectNode parent, String field, long value) {
    if (get(parent, field) == null) {
      parent.put(field, value);
    }
  }

  static void defaultValue(ObjectNode parent, String field, boolean value) {
    if (get(parent, field) == null) {
      parent.put(field, value);
    }
  }

  /** A string field restricted to an enum (absent is fine unless required says otherwise). */
  static void oneOf(JsonNode parent, String field, String path, List<String> allowed, Validation v) {
    JsonNode value = get(parent, field);
    if (value != null && !value.isTextual()) {
      v.check(false, path, "Invalid value: must be a string");
    } else if (value != null) {
      v.oneOf(path, value.asText(), allowed);
    }
  }

  static void requiredText(JsonNode parent, String field, String path, Validation v) {
    JsonNode value = get(parent, field);
    if (value != null && !value.isTextual()) {
      v.check(false, path, "Invalid value: must be a string");
    } else {
      v.required(path, value == null ? null : value.asText());
    }
  }

  /** An integer field within [min, max] when present. */
  static void integer(JsonNode parent, String field, String path, long min, long max, Validation v) {
    JsonNode value = get(parent, field);
    if (value == null) {
      return;
    }
    if (!value.canConvertToLong() || !value.isIntegralNumber()) {
      v.check(false, path, "Invalid value: must be an integer");
    } else {
      v.check(value.asLong() >= min, path, "Invalid value: " + value.asLong() + ": should be greater than or equal to " + min);
      v.check(value.asLong() <= max, path, "Invalid value: " + value.asLong() + ": should be less than or equal to " + max);
    }
  }

  static void bool(JsonNode parent, String field, String path, Validation v) {
    JsonNode value = get(parent, field);
    v.check(value == null || value.isBoolean(), path, "Invalid value: must be a boolean");
  }

  /** A required, non-empty array; answers its elements (none when invalid). */
  static List<JsonNode> requiredList(JsonNode parent, String field, String path, Validation v) {
    JsonNode value = get(parent, field);
    if (value == null || (value.isArray() && value.isEmpty())) {
      v.required(path, null);
      return List.of();
    }
    if (!value.isArray()) {
      v.check(false, path, "Invalid value: must be an array");
      return List.of();
    }
    List<JsonNode> elements = new ArrayList<>();
    value.forEach(elements::add);
    return elements;
  }

  /** The object at a field, created when absent; a non-object value is a cause and a detached empty object. */
  static ObjectNode object(ObjectNode parent, String field, String path, Validation v) {
    JsonNode value = get(parent, field);
    if (value == null) {
      return parent.putObject(field);
    }
    if (!value.isObject()) {
      v.check(false, path, "Invalid value: must be an object");
      return parent.objectNode();
    }
    return (ObjectNode) value;
  }

  /** A Clusternet Feed reference: apiVersion, kind and name required. */
  static void feed(JsonNode feed, String path, Validation v) {
    if (!feed.isObject()) {
      v.check(false, path, "Invalid value: must be an object");
      return;
    }
    requiredText(feed, "apiVersion", path + ".apiVersion", v);
    requiredText(feed, "kind", path + ".kind", v);
    requiredText(feed, "name", path + ".name", v);
  }

  static void feeds(JsonNode spec, String path, Validation v) {
    List<JsonNode> feeds = requiredList(spec, "feeds", path, v);
    for (int i = 0; i < feeds.size(); i++) {
      feed(feeds.get(i), path + "[" + i + "]", v);
    }
  }
}
