package io.flotilla.hub.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.PrinterColumn;
import io.flotilla.api.ResourceType;

/**
 * meta.k8s.io/v1 Tables, which `kubectl get` asks for (`Accept: application/json;as=Table;…`):
 * the kind's printer columns, each row carrying the object's metadata so -A and --show-labels work.
 */
final class Tables {
  private Tables() {}

  static boolean wanted(String accept) {
    return accept != null && accept.contains("as=Table");
  }

  /** A Table of a list (its items) or of one object. */
  static ObjectNode of(ResourceType type, Object body) {
    JsonNode node = Json.MAPPER.valueToTree(body);
    ObjectNode table = Json.MAPPER.createObjectNode();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/v1");
    table.set("metadata", node.has("items") ? node.path("metadata") : Json.MAPPER.createObjectNode());
    ArrayNode columns = table.putArray("columnDefinitions");
    columns.addObject().put("name", "Name").put("type", "string").put("format", "name").put("priority", 0)
        .put("description", "Name must be unique within a namespace.");
    for (PrinterColumn column : type.printerColumns()) {
      columns.addObject().put("name", column.name()).put("type", column.type()).put("format", "")
          .put("priority", column.priority()).put("description", column.jsonPath());
    }
    ArrayNode rows = table.putArray("rows");
    if (node.has("items")) {
      node.path("items").forEach(item -> addRow(rows, type, item));
    } else {
      addRow(rows, type, node);
    }
    return table;
  }

  /** kube's duration.HumanDuration, as kubectl shows an AGE. */
  static String age(java.time.Duration d) {
    long seconds = Math.max(0, d.getSeconds());
    long minutes = seconds / 60;
    long hours = minutes / 60;
    long days = hours / 24;
    if (seconds < 120) {
      return seconds + "s";
    } else if (minutes < 10) {
      return minutes + "m" + (seconds % 60 == 0 ? "" : seconds % 60 + "s");
    } else if (minutes < 180) {
      return minutes + "m";
    } else if (hours < 8) {
      return hours + "h" + (minutes % 60 == 0 ? "" : minutes % 60 + "m");
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 192) {
      return days + "d" + (hours % 24 == 0 ? "" : hours % 24 + "h");
    } else if (days < 730) {
      return days + "d";
    } else if (days < 365 * 8) {
      return days / 365 + "y" + (days % 365 == 0 ? "" : days % 365 + "d");
    }
    return days / 365 + "y";
  }

  private static void addRow(ArrayNode rows, ResourceType type, JsonNode object) {
    ObjectNode row = rows.addObject();
    ArrayNode cells = row.putArray("cells");
    cells.add(object.at("/metadata/name").asText());
    for (PrinterColumn column : type.printerColumns()) {
      JsonNode value = object.at(column.jsonPath().replace('.', '/'));
      if (value.isMissingNode() || value.isNull()) {
        cells.addNull(); // kubectl shows <none>
      } else if (column.type().equals("date")) {
        cells.add(age(java.time.Duration.between(java.time.Instant.parse(value.asText()), java.time.Instant.now())));
      } else {
        cells.add(value);
      }
    }
    ObjectNode partial = row.putObject("object");
    partial.put("kind", "PartialObjectMetadata");
    partial.put("apiVersion", "meta.k8s.io/v1");
    partial.set("metadata", object.path("metadata"));
  }
}
