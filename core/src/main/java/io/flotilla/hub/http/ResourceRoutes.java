package io.flotilla.hub.http;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.stream.Materializer;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.api.Json;
import io.flotilla.api.ResourceType;
import io.flotilla.api.StatusException;
import io.flotilla.hub.HubMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The generic Kubernetes-style resource layer under /apis (and the core group under /api/v1,
 * Clusternet's shadow API under /apis/shadow/v1alpha1): discovery documents, paths
 * (cluster-scoped, namespaced, all-namespace lists, subresources), bearer authentication,
 * size-capped JSON bodies whose apiVersion/kind must match the path, and Status errors.
 */
public final class ResourceRoutes extends AllDirectives {
  static final String MERGE_PATCH = "application/merge-patch+json";
  static final String JSON_PATCH = "application/json-patch+json";
  static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
  static final List<String> PATCH_TYPES = List.of(JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH);
  /** The core group ("" in types) is served under /api/v1, every other group under /apis. */
  private static final String CORE = "v1";
  private static final String SHADOW = "shadow/v1alpha1";
  private static final List<String> SHADOWED = List.of(CORE, "apps/v1");
  private static final ByteString NEWLINE = ByteString.fromString("\n");
  private final Map<String, Map<String, ResourceHandler>> handlersByGroupVersion = new LinkedHashMap<>();
  private final Authenticator authenticator;
  private final HubMetrics metrics;
  private final RequestBodyReader bodies;
  private final StoreAvailability store;

  public ResourceRoutes(List<ResourceHandler> handlers, Authenticator authenticator, HubMetrics metrics,
      RequestBodyReader bodies, StoreAvailability store) {
    for (ResourceHandler handler : handlers) {
      handlersByGroupVersion.computeIfAbsent(handler.type().groupVersion(), gv -> new LinkedHashMap<>())
          .put(handler.type().plural(), handler);
    }
    // Clusternet's shadow API (`kubectl clusternet apply`) serves the feed kinds under one group; on
    // this hub every feed at its usual path is already a template, so it is another path to the same objects
    Map<String, ResourceHandler> shadow = new LinkedHashMap<>();
    SHADOWED.forEach(gv -> shadow.putAll(handlersByGroupVersion.getOrDefault(gv, Map.of())));
    if (!shadow.isEmpty()) {
      handlersByGroupVersion.put(SHADOW, shadow);
    }
    this.authenticator = authenticator;
    this.metrics = metrics;
    this.bodies = bodies;
    this.store = store;
  }

  public Route route() {
    return concat(
        pathPrefix("apis", () -> extractUnmatchedPath(path -> extractRequest(request ->
            extractMaterializer(materializer -> completeWithFuture(
                measured(request, materializer, bodyTaken -> dispatch(segments(path), request, materializer, bodyTaken))))))),
        pathPrefix("api", () -> extractUnmatchedPath(path -> extractRequest(request ->
            extractMaterializer(materializer -> completeWithFuture(
                measured(request, materializer, bodyTaken -> dispatchCore(segments(path), request, materializer,
                    bodyTaken))))))),
        get(() -> concat(
            // kubectl apply validates against OpenAPI; an empty v2 document is accepted (DESIGN.md, kubectl.md)
            path(PathMatchers.segment("openapi").slash("v2"), () -> complete(
                HttpResponse.create().withEntity(OPENAPI_V2, new byte[0]))))));
  }

  /**
   * The response, every failure as a Status (503 while Cassandra is gone), counted and timed in the
   * hub's metrics. A body the handling did not take (refused first: no token, a wrong path or media
   * type) is read and dropped before the answer, as before a 413 (RequestBodyReader): answered
   * while the client was still sending a large one, the client saw a reset instead of the Status.
   */
  private CompletionStage<HttpResponse> measured(HttpRequest request, Materializer materializer,
      Function<AtomicBoolean, CompletionStage<HttpResponse>> handling) {
    long started = System.nanoTime();
    AtomicBoolean bodyTaken = new AtomicBoolean();
    return HttpResponses.recover(() -> handling.apply(bodyTaken), store).thenCompose(response -> bodyTaken.get()
        ? CompletableFuture.completedFuture(response)
        : bodies.discard(request.entity(), materializer).thenApply(drained -> response)).thenApply(response -> {
      metrics.apiRequest(request.method().value(), response.status().intValue(),
          Duration.ofNanos(System.nanoTime() - started));
      return response;
    });
  }

  private static final ContentType OPENAPI_V2 = ContentTypes.create(
      MediaTypes.customBinary("application", "com.github.proto-openapi.spec.v2.v1.0+protobuf", false));

  /** /apis/... : the group list, a group version's resources, or a resource request. */
  private CompletionStage<HttpResponse> dispatch(List<String> segments, HttpRequest request, Materializer materializer,
      AtomicBoolean bodyTaken) {
    String method = request.method().value();
    if (segments.isEmpty()) {
      return get(method, this::groupList);
    }
    if (segments.size() == 1) {
      throw StatusException.notFound("the server could not find the requested resource");
    }
    return resources(segments.get(0) + "/" + segments.get(1), segments.subList(2, segments.size()), request,
        materializer, bodyTaken);
  }

  /** /api/... : the core group's versions, v1's resources, or a resource request. */
  private CompletionStage<HttpResponse> dispatchCore(List<String> segments, HttpRequest request,
      Materializer materializer, AtomicBoolean bodyTaken) {
    if (segments.isEmpty()) {
      return get(request.method().value(), () -> Map.of("kind", "APIVersions", "versions", List.of(CORE),
          "serverAddressByClientCIDRs", List.of()));
    }
    if (!segments.get(0).equals(CORE)) {
      throw StatusException.notFound("the server could not find the requested resource");
    }
    return resources(CORE, segments.subList(1, segments.size()), request, materializer, bodyTaken);
  }

  private CompletionStage<HttpResponse> resources(String groupVersion, List<String> path, HttpRequest request,
      Materializer materializer, AtomicBoolean bodyTaken) {
    String method = request.method().value();
    Map<String, ResourceHandler> handlers = handlersByGroupVersion.getOrDefault(groupVersion, Map.of());
    if (handlers.isEmpty() && !groupVersion.equals(CORE)) {
      throw StatusException.notFound("the server could not find the requested resource (group version "
          + groupVersion + ")");
    }
    if (path.isEmpty()) {
      return get(method, () -> resourceList(groupVersion, handlers.values()));
    }
    Target target = target(path, handlers);
    boolean table = method.equals("GET") && Tables.wanted(request.getHeader("Accept").map(h -> h.value()).orElse(null));
    String authorization = request.getHeader("Authorization").map(h -> h.value()).orElse(null);
    return (target.handler().checksClusterTokens(method, target.subresource())
        ? authenticator.claim(authorization) : authenticator.authenticate(authorization))
        .thenCompose(principal -> body(method, request, materializer, bodyTaken).thenCompose(body -> {
          ResourceHandler.Request resourceRequest = new ResourceHandler.Request(principal, target.namespace(),
              target.name(), target.subresource(), body, mediaType(request), request.getUri().query().toMap());
          if (method.equals("GET") && resourceRequest.watch() && target.subresource() == null) {
            return watch(target.handler(), resourceRequest, table);
          }
          return invoke(method, target, resourceRequest).thenApply(response -> HttpResponses.json(response.code(),
              table ? Tables.of(target.handler().type(), response.body()) : response.body()));
        }));
  }

  /**
   * kube's watch stream: 200 with a chunked body of newline-delimited {"type","object"} events, each
   * object a one-row Table when Tables were asked for (kubectl get -w).
   */
  private static CompletionStage<HttpResponse> watch(ResourceHandler handler, ResourceHandler.Request request,
      boolean table) {
    return handler.watch(request).thenApply(events -> HttpResponse.create().withEntity(HttpEntities.createChunked(
        ContentTypes.APPLICATION_JSON, events.map(event -> {
          boolean change = !event.type().equals("BOOKMARK") && !event.type().equals("ERROR");
          ResourceHandler.WatchEvent line = table && change
              ? new ResourceHandler.WatchEvent(event.type(), Tables.of(handler.type(), event.object())) : event;
          return ByteString.fromArray(Json.write(line)).concat(NEWLINE);
        }))));
  }

  private record Target(ResourceHandler handler, String namespace, String name, String subresource) {}

  private static Target target(List<String> path, Map<String, ResourceHandler> handlers) {
    // /api/v1/namespaces/<name>/status is a Namespace's own subresource, not a kind in that namespace
    boolean namespaceSubresource = path.size() == 3 && handlers.containsKey("namespaces")
        && handlers.get("namespaces").type().subresources().contains(path.get(2));
    boolean namespacedPath = path.size() >= 3 && path.get(0).equals("namespaces") && !namespaceSubresource;
    List<String> rest = namespacedPath ? path.subList(2, path.size()) : path;
    ResourceHandler handler = handlers.get(rest.get(0));
    // a namespaced kind is reachable without a namespace only as an all-namespace list
    if (handler == null || rest.size() > 3
        || (namespacedPath != handler.type().namespaced() && !(handler.type().namespaced() && rest.size() == 1))) {
      throw StatusException.notFound("the server could not find the requested resource");
    }
    String subresource = rest.size() == 3 ? rest.get(2) : null;
    if (subresource != null && !handler.type().subresources().contains(subresource)) {
      throw StatusException.notFound("the server could not find the requested resource");
    }
    return new Target(handler, namespacedPath ? path.get(1) : null, rest.size() >= 2 ? rest.get(1) : null,
        subresource);
  }

  private static CompletionStage<ResourceHandler.Response> invoke(String method, Target target,
      ResourceHandler.Request request) {
    ResourceHandler handler = target.handler();
    boolean named = target.name() != null;
    return switch (method) {
      case "GET" -> named ? handler.get(request) : handler.list(request);
      case "POST" -> named ? notAllowed(method) : handler.create(request);
      case "PUT" -> named ? handler.update(request) : notAllowed(method);
      case "DELETE" -> named ? handler.delete(request) : handler.deleteCollection(request);
      case "PATCH" -> named ? handler.patch(request) : notAllowed(method);
      default -> notAllowed(method);
    };
  }

  private static CompletionStage<ResourceHandler.Response> notAllowed(String method) {
    return CompletableFuture.failedFuture(StatusException.methodNotAllowed(
        "the server does not allow this method on the requested resource (" + method + ")"));
  }

  private static String mediaType(HttpRequest request) {
    return request.entity().getContentType().mediaType().toString();
  }

  /** The JSON body of a write (for DELETE: DeleteOptions, if sent), parsed under the size cap; else null. */
  private CompletionStage<JsonNode> body(String method, HttpRequest request, Materializer materializer,
      AtomicBoolean bodyTaken) {
    boolean optional = method.equals("DELETE");
    if (!method.equals("POST") && !method.equals("PUT") && !method.equals("PATCH") && !optional) {
      return CompletableFuture.completedFuture(null);
    }
    if (optional && request.entity().isKnownEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    String mediaType = mediaType(request);
    List<String> accepted = method.equals("PATCH") ? PATCH_TYPES : List.of("application/json");
    if (!accepted.contains(mediaType)) {
      throw StatusException.unsupportedMediaType("the body of the request was in an unknown format - accepted"
          + " media types include: " + String.join(", ", accepted) + " (got " + mediaType + ")");
    }
    bodyTaken.set(true);
    return bodies.read(request.entity(), materializer)
        .thenApply(bytes -> mediaType.equals(JSON_PATCH) ? Json.parsePatch(bytes) : Json.parse(bytes));
  }

  private static CompletionStage<HttpResponse> get(String method, Supplier<Object> document) {
    if (!method.equals("GET")) {
      throw StatusException.methodNotAllowed("discovery documents are read-only");
    }
    return CompletableFuture.completedFuture(HttpResponses.json(200, document.get()));
  }

  private Object groupList() {
    Map<String, List<String>> versionsByGroup = new LinkedHashMap<>();
    handlersByGroupVersion.keySet().stream().filter(gv -> !gv.equals(CORE)).forEach(gv -> {
      String[] parts = gv.split("/");
      versionsByGroup.computeIfAbsent(parts[0], g -> new ArrayList<>()).add(parts[1]);
    });
    List<Object> groups = versionsByGroup.entrySet().stream().map(e -> {
      List<Map<String, String>> versions = e.getValue().stream()
          .map(v -> Map.of("groupVersion", e.getKey() + "/" + v, "version", v)).toList();
      return (Object) Map.of("name", e.getKey(), "versions", versions, "preferredVersion", versions.get(0));
    }).toList();
    return Map.of("kind", "APIGroupList", "apiVersion", "v1", "groups", groups);
  }

  private static Object resourceList(String groupVersion, java.util.Collection<ResourceHandler> handlers) {
    List<Object> resources = new ArrayList<>();
    for (ResourceHandler handler : handlers) {
      ResourceType t = handler.type();
      Map<String, Object> resource = new LinkedHashMap<>(Map.of("name", t.plural(), "singularName", t.singular(),
          "namespaced", t.namespaced(), "kind", t.kind(), "verbs", t.verbs()));
      if (t.groupVersion().equals(groupVersion)) {
        resource.put("shortNames", t.shortNames());
      } else {
        // a shadow entry: the kind's own group and version, and no short names to compete with the original's
        resource.put("group", t.group());
        resource.put("version", t.version());
      }
      resources.add(resource);
      for (String sub : t.subresources()) {
        resources.add(Map.of("name", t.plural() + "/" + sub, "singularName", "", "namespaced", t.namespaced(),
            "kind", t.kind(), "verbs", List.of("get", "update")));
      }
    }
    return Map.of("kind", "APIResourceList", "apiVersion", "v1", "groupVersion", groupVersion,
        "resources", resources);
  }

  private static List<String> segments(String path) {
    return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).collect(Collectors.toList());
  }

  /** Checks a body's apiVersion and kind against its kind's type, as kube-apiserver does. */
  public static void requireTypeMeta(JsonNode body, ResourceType type) {
    String apiVersion = body.path("apiVersion").asText("");
    String kind = body.path("kind").asText("");
    if (kind.isEmpty()) {
      throw StatusException.badRequest("Object 'Kind' is missing in the request body");
    }
    if (!kind.equals(type.kind())) {
      throw StatusException.badRequest("the kind in the data (" + kind + ") does not match the expected kind ("
          + type.kind() + ")");
    }
    if (!apiVersion.equals(type.groupVersion())) {
      throw StatusException.badRequest("the API version in the data (" + apiVersion
          + ") does not match the expected API version (" + type.groupVersion() + ")");
    }
  }
}
