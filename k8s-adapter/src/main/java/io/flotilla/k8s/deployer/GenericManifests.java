package io.flotilla.k8s.deployer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The objects of a Generic Description: {@code spec.raw} holds one object's JSON per entry, base64-encoded
 * (Go's {@code [][]byte}). Entries that are not an object with apiVersion, kind and name are reported, not applied.
 */
record GenericManifests(List<ObjectNode> objects, List<String> unreadable) {

  static GenericManifests of(ObjectNode description) {
    List<ObjectNode> objects = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    JsonNode raw = description.path("spec").path("raw");
    for (int i = 0; i < raw.size(); i++) {
      try {
        JsonNode object = Json.MAPPER.readTree(Base64.getDecoder().decode(raw.get(i).asText()));
        Feed feed = object instanceof ObjectNode ? Feed.of(object) : null;
        if (feed == null || feed.apiVersion().isEmpty() || feed.kind().isEmpty() || feed.name().isEmpty()) {
          unreadable.add("failed to unmarshal resource at spec.raw[" + i + "]: not an object with apiVersion, "
              + "kind and metadata.name");
        } else {
          objects.add((ObjectNode) object);
        }
      } catch (IllegalArgumentException | IOException e) {
        unreadable.add("failed to unmarshal resource at spec.raw[" + i + "]: " + e.getMessage());
      }
    }
    return new GenericManifests(List.copyOf(objects), List.copyOf(unreadable));
  }
}
