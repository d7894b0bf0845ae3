package io.flotilla.k8s.deployer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.gson.JsonParser;
import io.flotilla.api.Json;
import io.flotilla.k8s.deployer.DiscoveredResources.ApiResource;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Preconditions;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import io.kubernetes.client.util.generic.options.CreateOptions;
import io.kubernetes.client.util.generic.options.DeleteOptions;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Any kind of object in the child cluster, as Jackson trees, through client-java's dynamic client. A failed
 * call is a {@link ChildApiException} carrying the server's code and message; a connection failure has code 0.
 */
final class ChildObjects {

  /** What the server said (or 0 / ConnectionFailure when it could not be reached). */
  static final class ChildApiException extends Exception {
    private static final long serialVersionUID = 1L;

    final int code;

    ChildApiException(int code, String message) {
      super(message);
      this.code = code;
    }

    /** Worth another try: conflicts, throttling, server errors and unreachable servers. */
    boolean isTransient() {
      return code == 0 || code == 409 || code == 429 || code >= 500;
    }
  }

  private final ApiClient child;
  private final Map<ApiResource, DynamicKubernetesApi> apis = new ConcurrentHashMap<>();

  ChildObjects(ApiClient child) {
    this.child = child;
  }

  /** The object, or empty when it does not exist. */
  Optional<ObjectNode> get(ApiResource resource, String namespace, String name) throws ChildApiException {
    try {
      return Optional.of(call(() -> resource.namespaced()
          ? api(resource).get(namespace, name) : api(resource).get(name)));
    } catch (ChildApiException e) {
      if (e.code == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  ObjectNode create(ApiResource resource, String namespace, ObjectNode object) throws ChildApiException {
    DynamicKubernetesObject body = new DynamicKubernetesObject(JsonParser.parseString(object.toString())
        .getAsJsonObject());
    return call(() -> resource.namespaced()
        ? api(resource).create(namespace, body, new CreateOptions())
        : api(resource).create(body, new CreateOptions()));
  }

  /** A JSON merge patch (RFC 7386): what a three-way merge computes for any kind, custom or built in. */
  ObjectNode mergePatch(ApiResource resource, String namespace, String name, ObjectNode patch)
      throws ChildApiException {
    V1Patch body = new V1Patch(patch.toString());
    return call(() -> resource.namespaced()
        ? api(resource).patch(namespace, name, V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, body)
        : api(resource).patch(name, V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, body));
  }

  /**
   * Deletes the object with background propagation (Clusternet's), only if it is still the one with
   * {@code uid}; an object already gone is fine.
   */
  void delete(ApiResource resource, String namespace, String name, String uid) throws ChildApiException {
    DeleteOptions options = new DeleteOptions();
    options.setPropagationPolicy("Background");
    options.setPreconditions(new V1Preconditions().uid(uid));
    try {
      call(() -> resource.namespaced()
          ? api(resource).delete(namespace, name, options) : api(resource).delete(name, options));
    } catch (ChildApiException e) {
      if (e.code != 404) {
        throw e;
      }
    }
  }

  private DynamicKubernetesApi api(ApiResource resource) {
    return apis.computeIfAbsent(resource,
        r -> new DynamicKubernetesApi(r.group(), r.version(), r.plural(), child));
  }

  /** Runs a call; the object it answered with (null for answers that are a Status, as some deletes are). */
  private static ObjectNode call(Supplier<KubernetesApiResponse<DynamicKubernetesObject>> call)
      throws ChildApiException {
    KubernetesApiResponse<DynamicKubernetesObject> response;
    try {
      response = call.get();
    } catch (RuntimeException e) {
      // client-java throws for unreachable servers (IOException inside) and for answers that are no Status
      Throwable cause = e.getCause();
      if (cause instanceof ApiException api) {
        throw new ChildApiException(api.getCode(), api.getCode() + ": " + api.getResponseBody());
      }
      throw new ChildApiException(0, "cannot reach the child cluster: "
          + (cause instanceof IOException ? cause : e));
    }
    if (!response.isSuccess()) {
      int code = response.getHttpStatusCode();
      V1Status status = response.getStatus();
      throw new ChildApiException(code, status == null || status.getMessage() == null
          ? "the server answered " + code : status.getMessage());
    }
    DynamicKubernetesObject object = response.getObject();
    return object == null ? null : tree(object.getRaw().toString());
  }

  private static ObjectNode tree(String json) {
    try {
      JsonNode node = Json.MAPPER.readTree(json);
      return (ObjectNode) node;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("client-java produced JSON that Jackson cannot read", e);
    }
  }
}
