package io.flotilla.hub.apps;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.flotilla.api.Json;
import io.flotilla.api.objects.JsonPatch;
import io.flotilla.api.objects.MergePatch;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Applies the overrides of Localizations and Globalizations (Clusternet's OverrideConfig, see its
 * pkg/controllermanager/deployer/localizer/patch.go) to one feed: a plain object, or a HelmChart's
 * values and the HelmChart itself. Pure functions; inputs are never modified.
 */
public final class Overrides {
  public static final String HELM = "Helm";
  public static final String JSON_PATCH = "JSONPatch";
  public static final String MERGE_PATCH = "MergePatch";
  public static final String FIELD_JSON_PATCH = "FieldJSONPatch";
  public static final String FIELD_MERGE_PATCH = "FieldMergePatch";

  /** YAML as sigs.k8s.io/yaml writes it: no "---", plain scalars where unambiguous. */
  private static final YAMLMapper YAML = YAMLMapper.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .build();

  /** JSON fields are written back as Go's json.MarshalIndent(v, "", "    ") does. */
  private static final ObjectWriter INDENTED_JSON = Json.MAPPER.writer(new DefaultPrettyPrinter()
      .withObjectIndenter(new DefaultIndenter("    ", "\n"))
      .withArrayIndenter(new DefaultIndenter("    ", "\n"))
      .withSeparators(Separators.createDefaultInstance()
          .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
          .withObjectEmptySeparator("")
          .withArrayEmptySeparator("")));

  private Overrides() {
  }

  /** What an override changes: a plain object, a HelmChart's values, or the HelmChart itself. */
  private enum Target { OBJECT, VALUES, CHART }

  /** One entry of spec.overrides; origin names the Localization or Globalization it came from. */
  public record Override(String origin, String name, String type, String value, boolean overrideChart,
      String fieldPath, String fieldFormat) {

    /** The overrides of a Localization or Globalization, in their order. */
    public static List<Override> of(JsonNode policy) {
      String origin = policy.path("kind").asText("Override") + " " + qualifiedName(policy.path("metadata"));
      List<Override> overrides = new ArrayList<>();
      for (JsonNode entry : policy.path("spec").path("overrides")) {
        JsonNode value = entry.path("value");
        overrides.add(new Override(origin, entry.path("name").asText(), entry.path("type").asText(),
            // value is a string in the CRD; a JSON value posted without quoting is taken as its text
            value.isValueNode() ? value.asText() : value.toString(),
            entry.path("overrideChart").asBoolean(false), entry.path("fieldPath").asText(),
            entry.path("fieldFormat").asText()));
      }
      return overrides;
    }

    /** "override "x" (JSONPatch) of Localization ns/name", for error messages. */
    public String describe() {
      return (name.isEmpty() ? "unnamed override" : "override \"" + name + "\"") + " (" + type + ") of " + origin;
    }

    private static String qualifiedName(JsonNode metadata) {
      String namespace = metadata.path("namespace").asText();
      return namespace.isEmpty() ? metadata.path("name").asText() : namespace + "/" + metadata.path("name").asText();
    }
  }

  /** An override that cannot be applied; the message names it and says why. */
  public static final class OverrideException extends RuntimeException {
    OverrideException(Override override, String reason) {
      super(override.describe() + ": " + reason);
    }
  }

  /** A HelmChart feed after its overrides: the Helm values (null when no override gave any) and the chart. */
  public record ChartResult(JsonNode values, ObjectNode chart) {
  }

  /**
   * Applies overrides in order to an object that is not a HelmChart. Overrides with overrideChart
   * target a HelmChart and are ignored here; a Helm override coalesces into the object as Clusternet does.
   */
  public static ObjectNode applyToObject(ObjectNode object, List<Override> overrides) {
    ObjectNode result = object;
    for (Override override : overrides) {
      if (!override.overrideChart() && !override.value().isBlank()) {
        result = (ObjectNode) apply(result, override, parseValue(override), Target.OBJECT);
      }
    }
    return result;
  }

  /**
   * Applies overrides in order to a HelmChart feed. Without overrideChart they build the Helm values:
   * the first Helm or MergePatch value starts them (so a null in it still removes a chart default),
   * later ones coalesce (Helm) or patch them. With overrideChart they change the HelmChart itself
   * (Helm merges as a JSON merge patch), except spec.chart and spec.targetNamespace, which Clusternet
   * never lets an override change.
   */
  public static ChartResult applyToChart(ObjectNode chart, List<Override> overrides) {
    JsonNode values = null;
    ObjectNode result = chart;
    for (Override override : overrides) {
      if (override.value().isBlank()) {
        continue;
      }
      JsonNode value = parseValue(override);
      if (override.overrideChart()) {
        result = (ObjectNode) apply(result, override, value, Target.CHART);
      } else if (values != null) {
        values = apply(values, override, value, Target.VALUES);
      } else if (override.type().equals(HELM) || override.type().equals(MERGE_PATCH)) {
        values = value;
      }
    }
    return new ChartResult(values, withChartIdentity(result, chart));
  }

  /** Applies one override; the result is an object unless the target is Helm values. */
  private static JsonNode apply(JsonNode document, Override override, JsonNode value, Target target) {
    try {
      JsonNode result = switch (override.type()) {
        case HELM -> target == Target.CHART
            ? MergePatch.apply(document, value)
            : coalesce(asObject(value, "the value"), asObject(document, "the patched document"));
        case JSON_PATCH -> jsonPatchSkippingMissing(document, value);
        case MERGE_PATCH -> MergePatch.apply(document, value);
        case FIELD_JSON_PATCH -> patchField(document, override, field -> jsonPatchSkippingMissing(field, value));
        case FIELD_MERGE_PATCH -> patchField(document, override, field -> MergePatch.apply(field, value));
        default -> throw new IllegalArgumentException("unsupported override type \"" + override.type()
            + "\"; expected Helm, JSONPatch, MergePatch, FieldJSONPatch or FieldMergePatch");
      };
      // Helm values may be anything a chart accepts; a Kubernetes object must stay one
      return target == Target.VALUES ? result : asObject(result, "the result");
    } catch (IllegalArgumentException e) {
      throw new OverrideException(override, e.getMessage());
    }
  }

  /** Override values are YAML, which also reads JSON. */
  private static JsonNode parseValue(Override override) {
    try {
      return parseYaml(override.value());
    } catch (IllegalArgumentException e) {
      throw new OverrideException(override, "value is neither YAML nor JSON: " + e.getMessage());
    }
  }

  /**
   * Applies a JSON patch as Clusternet's library (evanphx/json-patch v5.7) does: when an operation
   * meets a missing path the whole patch is dropped and the document stays as it was; replace of an
   * absent object member sets it. Other failures (a failed test, a bad array index) are errors.
   */
  static JsonNode jsonPatchSkippingMissing(JsonNode document, JsonNode patch) {
    if (!patch.isArray()) {
      throw new IllegalArgumentException("a JSON patch must be an array of operations");
    }
    JsonNode result = document;
    for (JsonNode operation : patch) {
      JsonNode effective = asClusternetApplies(result, operation);
      if (effective == null) {
        return document;
      }
      result = JsonPatch.apply(result, Json.MAPPER.createArrayNode().add(effective));
    }
    return result;
  }

  /** The operation as evanphx/json-patch would carry it out on document, or null where it reports a missing path. */
  private static JsonNode asClusternetApplies(JsonNode document, JsonNode operation) {
    String op = operation.path("op").asText();
    JsonPointer path = pointer(operation.path("path").asText());
    return switch (op) {
      case "add" -> parent(document, path) != null ? operation : null;
      case "test" -> path.matches() || parent(document, path) != null ? operation : null;
      case "remove" -> {
        JsonNode parent = parent(document, path);
        yield parent == null || (parent.isObject() && !parent.has(lastToken(path))) ? null : operation;
      }
      case "replace" -> {
        JsonNode parent = parent(document, path);
        if (path.matches() || (parent != null && parent.isObject() && !parent.has(lastToken(path)))) {
          yield ((ObjectNode) operation.deepCopy()).put("op", "add");
        }
        yield parent == null || (parent.isArray() && !hasIndex(parent, path)) ? null : operation;
      }
      case "move", "copy" -> {
        JsonPointer from = pointer(operation.path("from").asText());
        JsonNode fromParent = parent(document, from);
        boolean fromMissing = fromParent == null || (fromParent.isObject() && !fromParent.has(lastToken(from)));
        yield fromMissing || parent(document, path) == null ? null : operation;
      }
      default -> operation; // JsonPatch rejects it
    };
  }

  private static JsonPointer pointer(String path) {
    return JsonPointer.compile(path);
  }

  /** The object or array holding the pointer's last token, or null when there is none. */
  private static JsonNode parent(JsonNode document, JsonPointer path) {
    JsonPointer head = path.head();
    if (head == null) {
      return null;
    }
    JsonNode parent = document.at(head);
    return parent.isContainerNode() ? parent : null;
  }

  private static String lastToken(JsonPointer path) {
    return path.last().getMatchingProperty();
  }

  private static boolean hasIndex(JsonNode array, JsonPointer path) {
    int index = path.last().getMatchingIndex();
    return index >= 0 && index < array.size();
  }

  /**
   * FieldJSONPatch / FieldMergePatch: fieldPath (a JSON pointer) names a string field holding YAML
   * (the default) or JSON; the patch applies to its parsed content, written back in the same format.
   * An empty field is left alone, as Clusternet does.
   */
  private static JsonNode patchField(JsonNode target, Override override, UnaryOperator<JsonNode> patch) {
    if (!override.fieldPath().startsWith("/")) {
      throw new IllegalArgumentException("invalid fieldPath \"" + override.fieldPath() + "\", it should start with /");
    }
    JsonNode field = target.at(pointer(override.fieldPath()));
    if (!field.isTextual()) {
      throw new IllegalArgumentException("field " + override.fieldPath()
          + (field.isMissingNode() ? " does not exist" : " is not a string"));
    }
    if (field.asText().isEmpty()) {
      return target;
    }
    boolean json = switch (override.fieldFormat()) {
      case "JSON" -> true;
      case "YAML", "" -> false;
      default -> throw new IllegalArgumentException("unsupported fieldFormat \"" + override.fieldFormat()
          + "\"; expected YAML or JSON");
    };
    JsonNode content = json ? parseJson(field.asText()) : parseYaml(field.asText());
    JsonNode patched = patch.apply(content);
    if (patched == content) {
      return target; // a JSON patch that met a missing path
    }
    ArrayNode replace = Json.MAPPER.createArrayNode();
    replace.addObject().put("op", "replace").put("path", override.fieldPath())
        .put("value", json ? writeIndentedJson(patched) : writeYaml(patched));
    return JsonPatch.apply(target, replace);
  }

  /**
   * Helm's chartutil.CoalesceTables(override, current): override wins, nested tables merge, and a
   * null in override removes the key from current.
   */
  static ObjectNode coalesce(ObjectNode override, ObjectNode current) {
    ObjectNode result = current.deepCopy();
    override.fields().forEachRemaining(entry -> {
      JsonNode mine = entry.getValue();
      JsonNode theirs = current.get(entry.getKey());
      if (mine.isNull() && theirs != null) {
        result.remove(entry.getKey());
      } else if (mine instanceof ObjectNode table && theirs instanceof ObjectNode currentTable) {
        result.set(entry.getKey(), coalesce(table, currentTable));
      } else {
        result.set(entry.getKey(), mine.deepCopy());
      }
    });
    return result;
  }

  /** Puts the original spec.chart and spec.targetNamespace back into an overridden HelmChart. */
  private static ObjectNode withChartIdentity(ObjectNode overridden, ObjectNode original) {
    ObjectNode result = overridden.deepCopy();
    ObjectNode spec = result.get("spec") instanceof ObjectNode existing ? existing : result.putObject("spec");
    for (String field : List.of("chart", "targetNamespace")) {
      JsonNode value = original.path("spec").get(field);
      if (value == null) {
        spec.remove(field);
      } else {
        spec.set(field, value);
      }
    }
    return result;
  }

  private static ObjectNode asObject(JsonNode node, String what) {
    if (node instanceof ObjectNode object) {
      return object;
    }
    throw new IllegalArgumentException(what + " must be an object, not " + node.getNodeType().name().toLowerCase());
  }

  private static JsonNode parseYaml(String text) {
    try {
      JsonNode node = YAML.readTree(text);
      return node == null || node.isMissingNode() ? NullNode.instance : node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e.getOriginalMessage());
    }
  }

  private static JsonNode parseJson(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("field is not JSON: " + e.getOriginalMessage());
    }
  }

  private static String writeYaml(JsonNode node) {
    try {
      return YAML.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write YAML", e);
    }
  }

  private static String writeIndentedJson(JsonNode node) {
    try {
      return INDENTED_JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
