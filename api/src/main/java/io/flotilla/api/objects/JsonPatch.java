package io.flotilla.api.objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** JSON patch (RFC 6902): add, remove, replace, move, copy and test on JSON pointers (RFC 6901). */
public final class JsonPatch {

  private JsonPatch() {
  }

  /** Applies {@code patch} (an array of operations) to a copy of {@code document}; IllegalArgumentException on failure. */
  public static JsonNode apply(JsonNode document, JsonNode patch) {
    if (!patch.isArray()) {
      throw new IllegalArgumentException("a JSON patch must be an array of operations");
    }
    JsonNode result = document.deepCopy();
    for (JsonNode operation : patch) {
      String op = operation.path("op").asText();
      String path = required(operation, "path");
      result = switch (op) {
        case "add" -> add(result, path, value(operation));
        case "remove" -> remove(result, path);
        case "replace" -> {
          get(result, path);
          yield add(remove(result, path), path, value(operation));
        }
        case "move" -> {
          String from = required(operation, "from");
          JsonNode moved = get(result, from);
          yield add(remove(result, from), path, moved);
        }
        case "copy" -> add(result, path, get(result, required(operation, "from")).deepCopy());
        case "test" -> {
          if (!get(result, path).equals(value(operation))) {
            throw new IllegalArgumentException("testing value " + path + " failed");
          }
          yield result;
        }
        default -> throw new IllegalArgumentException("unexpected JSON patch operation \"" + op + "\"");
      };
    }
    return result;
  }

  private static JsonNode add(JsonNode document, String path, JsonNode value) {
    List<String> tokens = tokens(path);
    if (tokens.isEmpty()) {
      return value.deepCopy();
    }
    JsonNode parent = parent(document, tokens, path);
    String last = tokens.get(tokens.size() - 1);
    if (parent instanceof ObjectNode object) {
      object.set(last, value.deepCopy());
    } else {
      ArrayNode array = (ArrayNode) parent;
      array.insert(last.equals("-") ? array.size() : index(last, array.size() + 1, path), value.deepCopy());
    }
    return document;
  }

  private static JsonNode remove(JsonNode document, String path) {
    List<String> tokens = tokens(path);
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("cannot remove the whole document");
    }
    JsonNode parent = parent(document, tokens, path);
    String last = tokens.get(tokens.size() - 1);
    if (parent instanceof ObjectNode object) {
      if (object.remove(last) == null) {
        throw new IllegalArgumentException("unable to remove nonexistent key: " + last + " (path " + path + ")");
      }
    } else {
      ((ArrayNode) parent).remove(index(last, parent.size(), path));
    }
    return document;
  }

  private static JsonNode get(JsonNode document, String path) {
    JsonNode node = document;
    for (String token : tokens(path)) {
      node = child(node, token, path);
    }
    return node;
  }

  private static JsonNode parent(JsonNode document, List<String> tokens, String path) {
    JsonNode node = document;
    for (String token : tokens.subList(0, tokens.size() - 1)) {
      node = child(node, token, path);
    }
    if (!node.isContainerNode()) {
      throw new IllegalArgumentException("path " + path + " does not point into an object or array");
    }
    return node;
  }

  private static JsonNode child(JsonNode node, String token, String path) {
    JsonNode child = node.isArray() ? node.get(index(token, node.size(), path)) : node.get(token);
    if (child == null) {
      throw new IllegalArgumentException("path " + path + " does not exist");
    }
    return child;
  }

  /** An array index below {@code bound}. */
  private static int index(String token, int bound, String path) {
    try {
      int index = Integer.parseInt(token);
      if (index >= 0 && index < bound) {
        return index;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("invalid array index \"" + token + "\" in path " + path);
  }

  private static List<String> tokens(String path) {
    if (path.isEmpty()) {
      return List.of();
    }
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("JSON pointer must start with '/': " + path);
    }
    List<String> tokens = new ArrayList<>();
    for (String raw : path.substring(1).split("/", -1)) {
      tokens.add(raw.replace("~1", "/").replace("~0", "~"));
    }
    return tokens;
  }

  private static String required(JsonNode operation, String field) {
    JsonNode value = operation.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("JSON patch operation " + operation + " lacks \"" + field + "\"");
    }
    return value.asText();
  }

  private static JsonNode value(JsonNode operation) {
    JsonNode value = operation.get("value");
    if (value == null) {
      throw new IllegalArgumentException("JSON patch operation " + operation + " lacks \"value\"");
    }
    return value;
  }
}
