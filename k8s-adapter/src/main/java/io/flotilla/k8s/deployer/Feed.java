package io.flotilla.k8s.deployer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Which object a Description entry is: Clusternet's {@code Feed} ({apiVersion, kind, namespace, name}), as
 * reported in each ManifestStatus. {@code namespace} is "" for cluster-scoped objects.
 */
record Feed(String apiVersion, String kind, String namespace, String name) {

  static Feed of(JsonNode object) {
    JsonNode metadata = object.path("metadata");
    return new Feed(object.path("apiVersion").asText(""), object.path("kind").asText(""),
        metadata.path("namespace").asText(""), metadata.path("name").asText(""));
  }

  /** The API group: "" for the core group ({@code v1}). */
  String group() {
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }

  /**
   * The same object whatever the version it is written in: Clusternet prunes by kind, namespace and name, so
   * moving a feed to another apiVersion is an update, not a delete and a create. No namespace counts as
   * "default", where the deployer puts such objects (a kind's scope is fixed, so cluster-scoped ones stay apart).
   */
  Identity identity() {
    return new Identity(group(), kind, namespace.isEmpty() ? "default" : namespace, name);
  }

  record Identity(String group, String kind, String namespace, String name) {
  }

  boolean isNamespace() {
    return apiVersion.equals("v1") && kind.equals("Namespace");
  }

  boolean isCustomResourceDefinition() {
    return group().equals("apiextensions.k8s.io") && kind.equals("CustomResourceDefinition");
  }

  /** As in messages: {@code Deployment demo/web}, {@code Namespace demo}. */
  @Override
  public String toString() {
    return kind + " " + (namespace.isEmpty() ? name : namespace + "/" + name);
  }

  ObjectNode toJson() {
    ObjectNode feed = JsonNodeFactory.instance.objectNode().put("apiVersion", apiVersion).put("kind", kind);
    if (!namespace.isEmpty()) {
      feed.put("namespace", namespace);
    }
    return feed.put("name", name);
  }
}
