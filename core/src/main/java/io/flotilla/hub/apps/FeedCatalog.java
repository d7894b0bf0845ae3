package io.flotilla.hub.apps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.ResourceType;
import io.flotilla.hub.objects.ObjectEntity;
import io.flotilla.hub.objects.ObjectKind;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Where a feed reference ({apiVersion, kind, namespace, name}) is stored, and how to read it back as its template. */
final class FeedCatalog {
  private final Map<String, ObjectKind> byApiVersionKind;

  FeedCatalog(List<ObjectKind> kinds) {
    this.byApiVersionKind = kinds.stream().collect(Collectors.toMap(
        k -> apiVersionKind(k.type().groupVersion(), k.type().kind()), Function.identity()));
  }

  private static String apiVersionKind(String apiVersion, String kind) {
    return apiVersion + "/" + kind;
  }

  /** The kind a feed names, if the hub stores that kind. */
  Optional<ObjectKind> kindOf(JsonNode feed) {
    return Optional.ofNullable(byApiVersionKind.get(
        apiVersionKind(feed.path("apiVersion").asText(), feed.path("kind").asText())));
  }

  /** The entity key of the feed's object, if the hub stores its kind. */
  Optional<String> key(JsonNode feed) {
    return kindOf(feed).map(kind -> {
      ResourceType type = kind.type();
      String namespace = type.namespaced() ? feed.path("namespace").asText("default") : null;
      return ObjectEntity.key(type.group(), type.plural(), namespace, feed.path("name").asText());
    });
  }

  /** The stored object as its template (Secrets decrypted, as a GET would serve it). */
  ObjectNode template(JsonNode feed, ObjectNode stored) {
    return kindOf(feed).map(kind -> kind.codec().fromStored(stored)).orElse(stored);
  }
}
