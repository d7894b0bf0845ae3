package io.flotilla.api.objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes strategic merge patch without OpenAPI schemas: maps merge recursively, {@code null} deletes,
 * lists named in {@link #MERGE_KEYS} merge element-wise by their key (as the patchMergeKey tags of the
 * built-in types say), {@code finalizers} merge as a set, every other list is replaced. Honours
 * {@code $patch: replace|delete}, {@code $retainKeys}, {@code $deleteFromPrimitiveList/<f>} and
 * {@code $setElementOrder/<f>} (elements it names come first in that order, the others keep theirs after).
 */
public final class StrategicMergePatch {

  /** List field name to its merge key; {@code ports} is keyed by containerPort in containers, port in services. */
  private static final Map<String, List<String>> MERGE_KEYS = Map.ofEntries(
      Map.entry("containers", List.of("name")),
      Map.entry("initContainers", List.of("name")),
      Map.entry("ephemeralContainers", List.of("name")),
      Map.entry("volumes", List.of("name")),
      Map.entry("env", List.of("name")),
      Map.entry("imagePullSecrets", List.of("name")),
      Map.entry("secrets", List.of("name")),
      Map.entry("resourceClaims", List.of("name")),
      Map.entry("schedulingGates", List.of("name")),
      Map.entry("ports", List.of("containerPort", "port")),
      Map.entry("volumeMounts", List.of("mountPath")),
      Map.entry("volumeDevices", List.of("devicePath")),
      Map.entry("conditions", List.of("type")),
      Map.entry("addresses", List.of("type")),
      Map.entry("hostAliases", List.of("ip")),
      Map.entry("topologySpreadConstraints", List.of("topologyKey")),
      Map.entry("ownerReferences", List.of("uid")));

  /** Lists of scalars whose patch adds to the set instead of replacing it. */
  private static final Set<String> MERGED_SCALAR_LISTS = Set.of("finalizers");

  private static final String DIRECTIVE = "$patch";
  private static final String RETAIN_KEYS = "$retainKeys";
  private static final String SET_ELEMENT_ORDER = "$setElementOrder/";
  private static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

  private StrategicMergePatch() {
  }

  /** Applies {@code patch} to a copy of {@code original}; IllegalArgumentException when the patch is malformed. */
  public static ObjectNode apply(ObjectNode original, ObjectNode patch) {
    ObjectNode result = mergeMap(original.deepCopy(), patch);
    if (result == null) {
      throw new IllegalArgumentException("a patch cannot delete the whole object");
    }
    return result;
  }

  /** Merges into {@code original} (mutated); null when the patch says {@code $patch: delete}. */
  private static ObjectNode mergeMap(ObjectNode original, ObjectNode patch) {
    String directive = patch.path(DIRECTIVE).asText("merge");
    switch (directive) {
      case "delete":
        return null;
      case "replace":
        return (ObjectNode) stripDirectives(patch);
      case "merge":
        break;
      default:
        throw new IllegalArgumentException("unknown patch directive " + DIRECTIVE + ": " + directive);
    }
    JsonNode retainKeys = patch.get(RETAIN_KEYS);
    if (retainKeys != null) {
      Set<String> retained = new HashSet<>();
      retainKeys.forEach(k -> retained.add(k.asText()));
      original.retain(retained);
    }
    Map<String, JsonNode> elementOrders = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      if (name.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        JsonNode list = original.get(name.substring(DELETE_FROM_PRIMITIVE_LIST.length()));
        if (list instanceof ArrayNode array) {
          removeAll(array, field.getValue());
        }
      } else if (name.startsWith(SET_ELEMENT_ORDER)) {
        elementOrders.put(name.substring(SET_ELEMENT_ORDER.length()), field.getValue());
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      if (name.startsWith("$")) {
        continue;
      }
      JsonNode value = field.getValue();
      JsonNode current = original.get(name);
      if (value.isNull()) {
        original.remove(name);
      } else if (value instanceof ObjectNode map) {
        ObjectNode merged = mergeMap(current instanceof ObjectNode o ? o : emptyMap(), map);
        if (merged == null) {
          original.remove(name);
        } else {
          original.set(name, merged);
        }
      } else if (value instanceof ArrayNode list) {
        original.set(name, mergeList(name, current instanceof ArrayNode a ? a : emptyList(), list));
      } else {
        original.set(name, value);
      }
    }
    elementOrders.forEach((name, order) -> {
      if (original.get(name) instanceof ArrayNode list) {
        original.set(name, reorder(name, list, order));
      }
    });
    return original;
  }

  private static ArrayNode mergeList(String field, ArrayNode original, ArrayNode patch) {
    for (JsonNode element : patch) {
      if ("replace".equals(element.path(DIRECTIVE).asText())) {
        ArrayNode replacement = emptyList();
        patch.forEach(e -> {
          if (e != element) {
            replacement.add(stripDirectives(e));
          }
        });
        return replacement;
      }
    }
    String key = mergeKey(field, original, patch);
    if (key == null) {
      if (!MERGED_SCALAR_LISTS.contains(field)) {
        return (ArrayNode) stripDirectives(patch);
      }
      ArrayNode union = original.deepCopy();
      patch.forEach(e -> {
        if (indexOf(union, null, e) < 0) {
          union.add(e);
        }
      });
      return union;
    }
    ArrayNode result = original.deepCopy();
    for (JsonNode element : patch) {
      JsonNode keyValue = element.get(key);
      if (!(element instanceof ObjectNode elementMap) || keyValue == null) {
        throw new IllegalArgumentException("map: " + element + " does not contain declared merge key: " + key);
      }
      int index = indexOf(result, key, keyValue);
      if ("delete".equals(element.path(DIRECTIVE).asText())) {
        if (index >= 0) {
          result.remove(index);
        }
        continue;
      }
      ObjectNode merged = mergeMap(index >= 0 ? (ObjectNode) result.get(index) : emptyMap(), elementMap);
      if (index >= 0) {
        result.set(index, merged);
      } else {
        result.add(merged);
      }
    }
    return result;
  }

  /** The merge key of a list field, or null for lists that are replaced or merged as scalar sets. */
  private static String mergeKey(String field, ArrayNode original, JsonNode patch) {
    List<String> candidates = MERGE_KEYS.get(field);
    if (candidates == null) {
      return null;
    }
    for (String candidate : candidates) {
      for (JsonNode list : List.of(patch, original)) {
        for (JsonNode element : list) {
          if (element.has(candidate)) {
            return candidate;
          }
        }
      }
    }
    return candidates.get(0);
  }

  /** {@code order} lists elements (keyed lists: maps with just the key; scalar lists: the values). */
  private static ArrayNode reorder(String field, ArrayNode list, JsonNode order) {
    String key = mergeKey(field, list, order);
    List<JsonNode> remaining = new ArrayList<>();
    list.forEach(remaining::add);
    ArrayNode ordered = emptyList();
    for (JsonNode wanted : order) {
      JsonNode wantedKey = key == null ? wanted : wanted.get(key);
      remaining.stream()
          .filter(e -> wantedKey != null && wantedKey.equals(key == null ? e : e.get(key)))
          .findFirst()
          .ifPresent(e -> {
            ordered.add(e);
            remaining.remove(e);
          });
    }
    remaining.forEach(ordered::add);
    return ordered;
  }

  private static void removeAll(ArrayNode list, JsonNode values) {
    for (JsonNode value : values) {
      int index;
      while ((index = indexOf(list, null, value)) >= 0) {
        list.remove(index);
      }
    }
  }

  /** Index of the element equal to {@code value} (key null) or whose {@code key} field equals it. */
  private static int indexOf(ArrayNode list, String key, JsonNode value) {
    for (int i = 0; i < list.size(); i++) {
      if (value.equals(key == null ? list.get(i) : list.get(i).get(key))) {
        return i;
      }
    }
    return -1;
  }

  /** A copy without {@code $...} directive keys, for values that replace rather than merge. */
  private static JsonNode stripDirectives(JsonNode node) {
    if (node instanceof ObjectNode map) {
      ObjectNode copy = emptyMap();
      map.fields().forEachRemaining(f -> {
        if (!f.getKey().startsWith("$")) {
          copy.set(f.getKey(), stripDirectives(f.getValue()));
        }
      });
      return copy;
    }
    if (node instanceof ArrayNode list) {
      ArrayNode copy = emptyList();
      list.forEach(e -> copy.add(stripDirectives(e)));
      return copy;
    }
    return node;
  }

  private static ObjectNode emptyMap() {
    return JsonNodeFactory.instance.objectNode();
  }

  private static ArrayNode emptyList() {
    return JsonNodeFactory.instance.arrayNode();
  }
}
