package io.flotilla.k8s.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.StreamSupport;

/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1) as the sandbox serves them: the validation kube's CRD
 * strategy applies that matters here, and the type a definition serves. A definition is established as soon as
 * it is stored (kube takes a moment). Only the storage version is served: the sandbox converts nothing, and
 * one storage per definition keeps every custom resource visible.
 */
final class CustomResourceDefinitions {

  static final String KIND = "CustomResourceDefinition";

  private CustomResourceDefinitions() {
  }

  /** The type {@code definition} serves; 422 Invalid when kube would refuse the definition. */
  static ResourceType servedType(ObjectNode definition) {
    String name = KubeObjects.name(definition);
    JsonNode spec = definition.path("spec");
    JsonNode names = spec.path("names");
    String group = spec.path("group").asText("");
    String plural = names.path("plural").asText("");
    String kind = names.path("kind").asText("");
    String scope = spec.path("scope").asText("");
    List<JsonNode> storage = StreamSupport.stream(spec.path("versions").spliterator(), false)
        .filter(v -> v.path("storage").asBoolean(false))
        .toList();
    List<String> problems = new ArrayList<>();
    if (!group.contains(".")) {
      problems.add("spec.group: Invalid value: \"" + group + "\": should be a domain with at least one dot");
    }
    if (plural.isEmpty()) {
      problems.add("spec.names.plural: Required value");
    }
    if (kind.isEmpty()) {
      problems.add("spec.names.kind: Required value");
    } else if (ResourceType.byKind(kind).isPresent()) {
      // KindRules, Tables and namespace handling go by kind alone, so a custom kind may not borrow a built-in name
      problems.add("spec.names.kind: Invalid value: \"" + kind + "\": the sandbox serves a built-in kind by this name");
    }
    if (ResourceType.ALL.stream().anyMatch(t -> t.group().equals(group) && t.plural().equals(plural))) {
      problems.add("spec.names.plural: Invalid value: \"" + plural + "\": " + plural + "." + group
          + " is a built-in resource");
    }
    if (!name.equals(plural + "." + group)) {
      problems.add("metadata.name: Invalid value: \"" + name + "\": must be spec.names.plural+\".\"+spec.group");
    }
    if (!scope.equals("Namespaced") && !scope.equals("Cluster")) {
      problems.add("spec.scope: Unsupported value: \"" + scope + "\": supported values: \"Cluster\", \"Namespaced\"");
    }
    if (storage.size() != 1) {
      problems.add("spec.versions: Invalid value: " + spec.path("versions")
          + ": must have exactly one version marked as storage version");
    }
    if (!problems.isEmpty()) {
      throw StatusError.invalid(ResourceType.byKind(KIND).orElseThrow(), name, String.join(", ", problems));
    }
    JsonNode version = storage.get(0);
    Set<ResourceType.Trait> traits = EnumSet.noneOf(ResourceType.Trait.class);
    if (scope.equals("Namespaced")) {
      traits.add(ResourceType.Trait.NAMESPACED);
    }
    if (version.path("subresources").has("status")) {
      traits.add(ResourceType.Trait.STATUS);
    }
    if (texts(names.path("categories")).contains("all")) {
      traits.add(ResourceType.Trait.IN_CATEGORY_ALL);
    }
    return new ResourceType(group, version.path("name").asText(), kind, plural, Set.copyOf(traits),
        texts(names.path("shortNames")), List.of("metadata.name", "metadata.namespace"));
  }

  /**
   * Fills the status kube's controllers would: accepted names, stored versions and, for a new definition,
   * the NamesAccepted and Established conditions; 422 Invalid when kube would refuse the definition.
   */
  static void establish(ObjectNode definition) {
    servedType(definition);
    JsonNode names = definition.path("spec").path("names");
    ObjectNode status = definition.withObjectProperty("status");
    ObjectNode accepted = ((ObjectNode) names).deepCopy();
    if (!accepted.hasNonNull("singular")) {
      accepted.put("singular", names.path("kind").asText().toLowerCase(Locale.ROOT));
    }
    if (!accepted.hasNonNull("listKind")) {
      accepted.put("listKind", names.path("kind").asText() + "List");
    }
    status.set("acceptedNames", accepted);
    String storageVersion = StreamSupport.stream(definition.path("spec").path("versions").spliterator(), false)
        .filter(v -> v.path("storage").asBoolean(false))
        .map(v -> v.path("name").asText())
        .findFirst().orElseThrow();
    ArrayNode stored = status.withArrayProperty("storedVersions");
    if (!texts(stored).contains(storageVersion)) {
      stored.add(storageVersion);
    }
    if (!status.has("conditions")) {
      String now = KubeObjects.timestamp(Instant.now());
      ArrayNode conditions = status.putArray("conditions");
      conditions.addObject().put("type", "NamesAccepted").put("status", "True").put("lastTransitionTime", now)
          .put("reason", "NoConflicts").put("message", "no conflicts found");
      conditions.addObject().put("type", "Established").put("status", "True").put("lastTransitionTime", now)
          .put("reason", "InitialNamesAccepted").put("message", "the initial names have been accepted");
    }
  }

  private static List<String> texts(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }
}
