package io.flotilla.hub.http;

import akka.NotUsed;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.api.ResourceType;
import io.flotilla.api.StatusException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The verbs of one kind. {@link ResourceRoutes} does paths, authentication, bodies and errors
 * for every kind alike; a handler does only its kind's semantics and scopes. Verbs a kind does
 * not support answer 405.
 */
public interface ResourceHandler {
  ResourceType type();

  /**
   * A request after routing: namespace is null for cluster-scoped kinds and all-namespace lists;
   * body is the parsed JSON of a write (for PATCH, the patch document; for DELETE, the
   * DeleteOptions if any); mediaType is the body's (PATCH says its patch type with it); query
   * holds the query parameters (dryRun, labelSelector, limit, ...).
   */
  record Request(Principal principal, String namespace, String name, String subresource, JsonNode body,
      String mediaType, Map<String, String> query) {
    public String param(String name) {
      return query.get(name);
    }

    /** dryRun=All: validate and answer, persist nothing. */
    public boolean dryRun() {
      return "All".equals(query.get("dryRun"));
    }

    /** watch=true (or 1): a GET that streams changes instead of answering once. */
    public boolean watch() {
      return "true".equals(query.get("watch")) || "1".equals(query.get("watch"));
    }
  }

  /** What to answer: an HTTP code and the object to send as JSON. */
  record Response(int code, Object body) {
    public static Response ok(Object body) {
      return new Response(200, body);
    }

    public static Response created(Object body) {
      return new Response(201, body);
    }
  }

  /** One line of a watch stream: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, and its object. */
  record WatchEvent(String type, JsonNode object) {}

  /**
   * Whether this method on this subresource takes a cluster token unchecked ({@link
   * Principal.ClusterClaim}) and checks it itself, in the same entity ask as its work.
   */
  default boolean checksClusterTokens(String method, String subresource) {
    return false;
  }

  default CompletionStage<Response> get(Request request) {
    return unsupported("get");
  }

  default CompletionStage<Response> list(Request request) {
    return unsupported("list");
  }

  /** GET ?watch=true of a collection (or of one object, by name): the events to stream, until the source ends. */
  default CompletionStage<Source<WatchEvent, NotUsed>> watch(Request request) {
    return unsupported("watch");
  }

  default CompletionStage<Response> create(Request request) {
    return unsupported("create");
  }

  default CompletionStage<Response> update(Request request) {
    return unsupported("update");
  }

  /** PATCH of any type ({@link ResourceRoutes#PATCH_TYPES}); kinds that take only merge patches implement {@link #mergePatch}. */
  default CompletionStage<Response> patch(Request request) {
    if (!ResourceRoutes.MERGE_PATCH.equals(request.mediaType())) {
      return CompletableFuture.failedFuture(StatusException.unsupportedMediaType("the body of the request was in an"
          + " unknown format - accepted media types include: " + ResourceRoutes.MERGE_PATCH));
    }
    return mergePatch(request);
  }

  /** PATCH with a JSON merge patch (RFC 7386). */
  default CompletionStage<Response> mergePatch(Request request) {
    return unsupported("patch");
  }

  default CompletionStage<Response> delete(Request request) {
    return unsupported("delete");
  }

  /** DELETE of a collection: every object its selectors select. */
  default CompletionStage<Response> deleteCollection(Request request) {
    return unsupported("deletecollection");
  }

  private <T> CompletionStage<T> unsupported(String verb) {
    return CompletableFuture.failedFuture(StatusException.methodNotAllowed(
        "the server does not allow this method on the requested resource (" + verb + " "
            + type().plural() + "." + type().group() + ")"));
  }
}
