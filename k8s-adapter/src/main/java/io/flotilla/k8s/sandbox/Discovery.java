package io.flotilla.k8s.sandbox;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * The discovery documents (/api, /apis, /apis/&lt;g&gt;, group-version resource lists) and /version, derived
 * from the types a server serves ({@link ResourceTypes#all()}). Only the plain (unaggregated) forms: kubectl asks
 * for aggregated discovery first and falls back when the answer's Content-Type is plain application/json.
 */
final class Discovery {

  static final String KUBERNETES_MINOR = "30";
  static final String GIT_VERSION = "v1.30.2-sandbox";

  private static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
  private static final List<String> STATUS_VERBS = List.of("get", "patch", "update");

  private Discovery() {
  }

  static ObjectNode version() {
    return node()
        .put("major", "1")
        .put("minor", KUBERNETES_MINOR)
        .put("gitVersion", GIT_VERSION)
        .put("gitCommit", "0000000000000000000000000000000000000000")
        .put("gitTreeState", "clean")
        .put("buildDate", "2024-06-11T20:20:00Z")
        .put("goVersion", "go1.22.4")
        .put("compiler", "gc")
        .put("platform", "linux/amd64");
  }

  /** /api: the legacy core group's versions. */
  static ObjectNode apiVersions(String serverAddress) {
    ObjectNode versions = node().put("kind", "APIVersions");
    versions.putArray("versions").add("v1");
    versions.putArray("serverAddressByClientCIDRs").addObject()
        .put("clientCIDR", "0.0.0.0/0").put("serverAddress", serverAddress);
    return versions;
  }

  /** /apis: every named group. */
  static ObjectNode groupList(List<ResourceType> served) {
    ObjectNode list = node().put("kind", "APIGroupList").put("apiVersion", "v1");
    ArrayNode groups = list.putArray("groups");
    groupNames(served).forEach(g -> groups.add(group(served, g)));
    return list;
  }

  /** /apis/&lt;group&gt;. */
  static Optional<ObjectNode> apiGroup(List<ResourceType> served, String group) {
    return groupNames(served).contains(group)
        ? Optional.of(group(served, group).put("kind", "APIGroup").put("apiVersion", "v1"))
        : Optional.empty();
  }

  /** /api/v1 or /apis/&lt;group&gt;/&lt;version&gt;: the resources with their verbs, short names and subresources. */
  static Optional<ObjectNode> resourceList(List<ResourceType> served, String group, String version) {
    List<ResourceType> types = served.stream()
        .filter(t -> t.group().equals(group) && t.version().equals(version))
        .toList();
    if (types.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode list = node().put("kind", "APIResourceList").put("apiVersion", "v1")
        .put("groupVersion", types.get(0).apiVersion());
    ArrayNode resources = list.putArray("resources");
    for (ResourceType type : types) {
      ObjectNode resource = resources.addObject()
          .put("name", type.plural())
          .put("singularName", type.singular())
          .put("namespaced", type.namespaced())
          .put("kind", type.kind());
      // kube offers no deletecollection on namespaces
      VERBS.stream()
          .filter(v -> !(v.equals("deletecollection") && type.kind().equals("Namespace")))
          .forEach(resource.putArray("verbs")::add);
      if (!type.shortNames().isEmpty()) {
        type.shortNames().forEach(resource.putArray("shortNames")::add);
      }
      if (type.has(ResourceType.Trait.IN_CATEGORY_ALL)) {
        resource.putArray("categories").add("all");
      }
      if (type.hasStatus()) {
        ObjectNode status = resources.addObject()
            .put("name", type.plural() + "/status")
            .put("singularName", "")
            .put("namespaced", type.namespaced())
            .put("kind", type.kind());
        STATUS_VERBS.forEach(status.putArray("verbs")::add);
      }
    }
    return Optional.of(list);
  }

  private static List<String> groupNames(List<ResourceType> served) {
    return served.stream().map(ResourceType::group).filter(g -> !g.isEmpty()).distinct().toList();
  }

  private static ObjectNode group(List<ResourceType> served, String name) {
    ObjectNode group = node().put("name", name);
    ArrayNode versions = group.putArray("versions");
    served.stream()
        .filter(t -> t.group().equals(name))
        .map(ResourceType::version)
        .distinct()
        .forEach(v -> versions.addObject().put("groupVersion", name + "/" + v).put("version", v));
    group.set("preferredVersion", versions.get(0).deepCopy());
    return group;
  }

  private static ObjectNode node() {
    return JsonNodeFactory.instance.objectNode();
  }
}
