package io.flotilla.k8s.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one sandbox serves: the built-in {@link ResourceType#ALL} plus one type per CustomResourceDefinition
 * stored in it. Routing and discovery read it without the store's lock; the store changes it under its lock.
 */
final class ResourceTypes {

  /** Custom types by the name of the CustomResourceDefinition that defines them. */
  private final Map<String, ResourceType> custom = new LinkedHashMap<>();
  /** An immutable snapshot, replaced on every change, so that readers never see a half-made list. */
  private volatile List<ResourceType> all = ResourceType.ALL;

  List<ResourceType> all() {
    return all;
  }

  Optional<ResourceType> find(String group, String version, String plural) {
    return all.stream()
        .filter(t -> t.group().equals(group) && t.version().equals(version) && t.plural().equals(plural))
        .findFirst();
  }

  Optional<ResourceType> definedBy(String definitionName) {
    synchronized (custom) {
      return Optional.ofNullable(custom.get(definitionName));
    }
  }

  /** Serves {@code type} for the definition, instead of what it defined before; null serves nothing. */
  void define(String definitionName, ResourceType type) {
    synchronized (custom) {
      if (type == null) {
        custom.remove(definitionName);
      } else {
        custom.put(definitionName, type);
      }
      List<ResourceType> next = new ArrayList<>(ResourceType.ALL);
      next.addAll(custom.values());
      all = List.copyOf(next);
    }
  }
}
