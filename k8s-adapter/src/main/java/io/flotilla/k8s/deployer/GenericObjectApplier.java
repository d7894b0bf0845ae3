package io.flotilla.k8s.deployer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.k8s.deployer.ChildObjects.ChildApiException;
import io.flotilla.k8s.deployer.DiscoveredResources.ApiResource;
import io.kubernetes.client.openapi.ApiException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies or deletes one object of a Description in the child cluster, as Clusternet's
 * {@code ApplyResourceWithRetry} / {@code DeleteResourceWithRetry} do: the object is created when absent,
 * else three-way merged against the configuration this deployer last applied to it. Objects that exist without
 * that configuration (made by hand, or by another Description) are adopted, as in Clusternet.
 */
final class GenericObjectApplier {

  /** Clusternet's marker: an annotation (not a label) {@code <descNamespace>.<descName>}. */
  static final String OWNED_BY = "apps.clusternet.io/owned-by-description";
  /** Clusternet keeps its own last-applied configuration, apart from kubectl's. */
  static final String LAST_APPLIED = "clusternet.io/last-applied-configuration";
  private static final String KUBECTL_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
  /** Metadata the child's API server owns (Clusternet's WipeObjectMetaSystemFields, plus what create refuses). */
  private static final List<String> SYSTEM_METADATA = List.of("uid", "resourceVersion", "generation",
      "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "managedFields");

  private final DiscoveredResources resources;
  private final ChildObjects objects;

  GenericObjectApplier(DiscoveredResources resources, ChildObjects objects) {
    this.resources = resources;
    this.objects = objects;
  }

  AppliedObject apply(ObjectNode manifest, String owner) {
    Feed feed = Feed.of(manifest);
    ApiResource resource;
    try {
      resource = resolve(feed);
    } catch (ChildApiException e) {
      return AppliedObject.failed(feed, "failed to apply " + feed + ": " + e.getMessage());
    }
    ObjectNode desired = desired(manifest, resource, owner);
    Feed placed = Feed.of(desired);
    try {
      ObjectNode live = TransientRetry.run(() -> createOrPatch(resource, placed, desired));
      return AppliedObject.succeeded(placed, live.get("status"));
    } catch (ChildApiException e) {
      return AppliedObject.failed(placed, "failed to apply " + placed + ": " + e.getMessage());
    }
  }

  /**
   * Deletes the object if {@code owner} still owns it (an object another Description adopted since is left
   * alone); gone already, or of a kind the child no longer serves, is fine. Empty, or why it failed.
   */
  Optional<String> deleteOwned(Feed feed, String owner) {
    try {
      Optional<ApiResource> resource = resources.find(feed.apiVersion(), feed.kind());
      if (resource.isEmpty()) {
        return Optional.empty();
      }
      String namespace = namespaceIn(resource.get(), feed.namespace());
      TransientRetry.run(() -> {
        Optional<ObjectNode> live = objects.get(resource.get(), namespace, feed.name());
        if (live.isPresent() && owner.equals(annotation(live.get(), OWNED_BY))) {
          objects.delete(resource.get(), namespace, feed.name(),
              live.get().path("metadata").path("uid").asText());
        }
        return null;
      });
      return Optional.empty();
    } catch (ApiException e) {
      return Optional.of("failed to delete " + feed + ": cannot discover the child's resources: " + e.getMessage());
    } catch (ChildApiException e) {
      return Optional.of("failed to delete " + feed + ": " + e.getMessage());
    }
  }

  /** The resource serving the feed's kind; an unknown kind fails as client-go's RESTMapper words it. */
  private ApiResource resolve(Feed feed) throws ChildApiException {
    try {
      return resources.find(feed.apiVersion(), feed.kind()).orElseThrow(() -> new ChildApiException(404,
          "no matches for kind \"" + feed.kind() + "\" in version \"" + feed.apiVersion() + "\""));
    } catch (ApiException e) {
      throw new ChildApiException(e.getCode(), "cannot discover the child's resources: " + e.getMessage());
    }
  }

  private ObjectNode createOrPatch(ApiResource resource, Feed feed, ObjectNode desired) throws ChildApiException {
    Optional<ObjectNode> live = objects.get(resource, feed.namespace(), feed.name());
    if (live.isEmpty()) {
      return objects.create(resource, feed.namespace(), desired);
    }
    ObjectNode patch = ThreeWayMergePatch.between(lastApplied(live.get()), desired, live.get());
    return patch.isEmpty() ? live.get() : objects.mergePatch(resource, feed.namespace(), feed.name(), patch);
  }

  /**
   * The object to write: system metadata wiped, namespace as the resource's scope wants it (kubectl's
   * "default" when a namespaced object names none), the owner annotation, and the last-applied configuration
   * (the object itself, without that annotation) for the next three-way merge.
   */
  private static ObjectNode desired(ObjectNode manifest, ApiResource resource, String owner) {
    ObjectNode desired = withoutNulls(manifest.deepCopy());
    ObjectNode metadata = desired.withObjectProperty("metadata");
    metadata.remove(SYSTEM_METADATA);
    if (resource.namespaced()) {
      metadata.put("namespace", namespaceIn(resource, metadata.path("namespace").asText("")));
    } else {
      metadata.remove("namespace");
    }
    ObjectNode annotations = metadata.withObjectProperty("annotations");
    annotations.remove(List.of(KUBECTL_LAST_APPLIED, LAST_APPLIED));
    annotations.put(OWNED_BY, owner);
    annotations.put(LAST_APPLIED, desired.toString());
    return desired;
  }

  private static String namespaceIn(ApiResource resource, String namespace) {
    return !resource.namespaced() ? "" : namespace.isEmpty() ? "default" : namespace;
  }

  /** The configuration this deployer last applied, or null when there is none (or it is unreadable). */
  private static JsonNode lastApplied(ObjectNode live) {
    String json = annotation(live, LAST_APPLIED);
    if (json == null) {
      return null;
    }
    try {
      return Json.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private static String annotation(JsonNode object, String key) {
    JsonNode value = object.path("metadata").path("annotations").get(key);
    return value == null || !value.isTextual() ? null : value.asText();
  }

  /** Explicit nulls (kubectl's {@code creationTimestamp: null}) mean unset, but a merge patch deletes on null. */
  private static ObjectNode withoutNulls(ObjectNode object) {
    for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
      JsonNode value = fields.next().getValue();
      if (value.isNull()) {
        fields.remove();
      } else {
        withoutNullsIn(value);
      }
    }
    return object;
  }

  private static void withoutNullsIn(JsonNode value) {
    if (value instanceof ObjectNode object) {
      withoutNulls(object);
    } else if (value.isArray()) {
      value.forEach(GenericObjectApplier::withoutNullsIn);
    }
  }
}
