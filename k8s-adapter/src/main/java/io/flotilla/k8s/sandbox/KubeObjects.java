package io.flotilla.k8s.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Random;

/** Small accessors for schemaless Kubernetes objects held as Jackson trees. */
final class KubeObjects {

  private KubeObjects() {
  }

  /** The object's metadata, created empty when missing. */
  static ObjectNode metadata(ObjectNode object) {
    return object.get("metadata") instanceof ObjectNode metadata ? metadata : object.putObject("metadata");
  }

  static String name(JsonNode object) {
    return object.path("metadata").path("name").asText("");
  }

  static String namespace(JsonNode object) {
    return object.path("metadata").path("namespace").asText("");
  }

  static String resourceVersion(JsonNode object) {
    return object.path("metadata").path("resourceVersion").asText("");
  }

  /** A label's value, or null when the object lacks the label. */
  static String label(JsonNode object, String key) {
    JsonNode value = object.path("metadata").path("labels").get(key);
    return value == null || value.isNull() ? null : value.asText();
  }

  /**
   * The value of a selectable field ({@code spec.nodeName}); kube's field sets hold every supported field,
   * unset ones as "", so {@code spec.nodeName=} selects unscheduled pods.
   */
  static String field(JsonNode object, String dottedPath) {
    JsonNode node = object;
    for (String part : dottedPath.split("\\.")) {
      node = node.path(part);
    }
    return node.isValueNode() ? node.asText() : "";
  }

  /** Five characters as kube appends to generateName (no vowels, so no words). */
  static String nameSuffix(Random random) {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      suffix.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return suffix.toString();
  }

  /** RFC 3339 with seconds, UTC: the format of metadata.creationTimestamp. */
  static String timestamp(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
