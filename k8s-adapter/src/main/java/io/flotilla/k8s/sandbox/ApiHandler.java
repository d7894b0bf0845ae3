package io.flotilla.k8s.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.flotilla.api.objects.JsonPatch;
import io.flotilla.api.objects.MergePatch;
import io.flotilla.api.objects.StrategicMergePatch;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP face of the sandbox: kube-apiserver's URL layout, verbs, content types and watch streams. */
final class ApiHandler implements HttpHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_TYPE = "application/json";
  /** What kubectl 1.27–1.33 accept from /openapi/v2 as "no schema" (the Accept value's form with '@' is not). */
  private static final String OPENAPI_V2_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
  private static final List<String> PATCH_TYPES = List.of("application/json-patch+json",
      "application/merge-patch+json", "application/strategic-merge-patch+json");
  private static final Set<String> HEALTH_PATHS = Set.of("healthz", "livez", "readyz");
  /** /api/v1/namespaces/&lt;ns&gt;/&lt;these&gt; address the namespace itself, not a resource inside it. */
  private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

  private final Store store;
  private final SandboxApiServer.Settings settings;
  private final String serverAddress;

  ApiHandler(Store store, SandboxApiServer.Settings settings, String serverAddress) {
    this.store = store;
    this.settings = settings;
    this.serverAddress = serverAddress;
  }

  @Override
  public void handle(HttpExchange exchange) {
    try {
      route(exchange);
    } catch (StatusError e) {
      sendJson(exchange, e.code, e.toStatus());
    } catch (JsonProcessingException e) {
      sendJson(exchange, 400, StatusError.badRequest("the request body is not valid JSON: "
          + e.getOriginalMessage()).toStatus());
    } catch (Exception e) {
      log.warn("sandbox API server failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      sendJson(exchange, 500, StatusError.internal(String.valueOf(e)).toStatus());
    } finally {
      exchange.close();
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    List<String> path = segments(exchange.getRequestURI().getRawPath());
    Request request = new Request(exchange, query(exchange.getRequestURI().getRawQuery()));
    log.trace("{} {}", exchange.getRequestMethod(), exchange.getRequestURI());
    if (!path.isEmpty() && path.get(0).equals("api") && path.size() > 2 && path.get(1).equals("v1")) {
      resource(request, "", "v1", path.subList(2, path.size()));
      return;
    }
    if (!path.isEmpty() && path.get(0).equals("apis") && path.size() > 3) {
      resource(request, path.get(1), path.get(2), path.subList(3, path.size()));
      return;
    }
    if (!request.method().equals("GET")) {
      throw StatusError.methodNotAllowed();
    }
    String first = path.isEmpty() ? "" : path.get(0);
    if (HEALTH_PATHS.contains(first)) {
      send(exchange, 200, "text/plain; charset=utf-8", "ok".getBytes(StandardCharsets.UTF_8));
    } else if (path.equals(List.of("openapi", "v2"))) {
      send(exchange, 200, OPENAPI_V2_TYPE, new byte[0]);
    } else {
      sendJson(exchange, 200, nonResource(path).orElseThrow(StatusError::pathNotFound));
    }
  }

  private Optional<ObjectNode> nonResource(List<String> path) {
    List<ResourceType> served = store.types().all();
    return switch (String.join("/", path)) {
      case "" -> Optional.of(rootPaths());
      case "version" -> Optional.of(Discovery.version());
      case "api" -> Optional.of(Discovery.apiVersions(serverAddress));
      case "api/v1" -> Discovery.resourceList(served, "", "v1");
      case "apis" -> Optional.of(Discovery.groupList(served));
      default -> path.get(0).equals("apis") && path.size() == 2 ? Discovery.apiGroup(served, path.get(1))
          : path.get(0).equals("apis") && path.size() == 3 ? Discovery.resourceList(served, path.get(1), path.get(2))
          : Optional.empty();
    };
  }

  /** Paths after the group-version, parsed as kube's RequestInfoFactory does. */
  private void resource(Request request, String group, String version, List<String> parts) throws IOException {
    String namespace = null;
    if (parts.get(0).equals("namespaces") && parts.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(parts.get(2))) {
      namespace = parts.get(1);
      parts = parts.subList(2, parts.size());
    }
    if (parts.size() > 3) {
      throw StatusError.pathNotFound();
    }
    ResourceType type = store.types().find(group, version, parts.get(0)).orElseThrow(StatusError::pathNotFound);
    String name = parts.size() > 1 ? parts.get(1) : null;
    String subresource = parts.size() > 2 ? parts.get(2) : null;
    boolean allNamespacesRead = type.namespaced() && namespace == null && name == null
        && request.method().equals("GET");
    if (type.namespaced() != (namespace != null) && !allNamespacesRead
        || subresource != null && !(subresource.equals("status") && type.hasStatus())) {
      throw StatusError.pathNotFound();
    }
    Target target = new Target(type, namespace, name, subresource != null);
    switch (request.method()) {
      case "GET" -> {
        if (request.flag("watch")) {
          watch(request, target);
        } else if (name == null) {
          list(request, target);
        } else {
          sendJson(request.exchange(), 200, printable(request, target, store.get(type, namespace, name)));
        }
      }
      case "POST" -> {
        allowMethodIf(name == null);
        ObjectNode created = store.create(type, namespace, request.jsonObject(), request.dryRun());
        sendJson(request.exchange(), 201, created);
      }
      case "PUT" -> {
        allowMethodIf(name != null);
        sendJson(request.exchange(), 200,
            store.update(type, namespace, name, request.jsonObject(), target.status(), request.dryRun()));
      }
      case "PATCH" -> {
        allowMethodIf(name != null);
        sendJson(request.exchange(), 200,
            store.patch(type, namespace, name, patcher(request), target.status(), request.dryRun()));
      }
      case "DELETE" -> delete(request, target);
      default -> throw StatusError.methodNotAllowed();
    }
  }

  private void list(Request request, Target target) throws IOException {
    Store.Page page = store.list(filter(request, target), request.longParam("limit"), request.param("continue"));
    ObjectNode metadata = JsonNodeFactory.instance.objectNode().put("resourceVersion", page.resourceVersion());
    if (page.continueToken() != null) {
      metadata.put("continue", page.continueToken());
    }
    if (page.remainingItemCount() != null) {
      metadata.put("remainingItemCount", page.remainingItemCount());
    }
    String tableVersion = request.tableVersion();
    if (tableVersion != null) {
      sendJson(request.exchange(), 200, Tables.table(target.type(), page.items(), tableVersion,
          request.param("includeObject"), metadata));
    } else {
      sendJson(request.exchange(), 200, list(target.type(), metadata, page.items()));
    }
  }

  private void delete(Request request, Target target) throws IOException {
    JsonNode options = request.optionalJson();
    boolean dryRun = request.dryRun()
        || StreamSupport.stream(options.path("dryRun").spliterator(), false).anyMatch(v -> v.asText().equals("All"));
    if (target.name() == null) {
      if (target.type().kind().equals("Namespace")) {
        throw StatusError.methodNotAllowed();
      }
      Store.Page deleted = store.deleteCollection(filter(request, target), dryRun);
      ObjectNode metadata = JsonNodeFactory.instance.objectNode().put("resourceVersion", deleted.resourceVersion());
      sendJson(request.exchange(), 200, list(target.type(), metadata, deleted.items()));
      return;
    }
    JsonNode preconditions = options.path("preconditions");
    Store.Preconditions required = new Store.Preconditions(
        preconditions.hasNonNull("uid") ? preconditions.get("uid").asText() : null,
        preconditions.hasNonNull("resourceVersion") ? preconditions.get("resourceVersion").asText() : null);
    sendJson(request.exchange(), 200,
        store.delete(target.type(), target.namespace(), target.name(), required, dryRun));
  }

  /** Builds the patch function for the request's Content-Type; malformed patches fail 422 like kube's. */
  private static UnaryOperator<ObjectNode> patcher(Request request) throws IOException {
    String contentType = request.mediaType();
    if (!PATCH_TYPES.contains(contentType)) {
      // includes application/apply-patch+yaml: server-side apply is not implemented
      throw StatusError.unsupportedMediaType(contentType, PATCH_TYPES);
    }
    JsonNode patch = JSON.readTree(request.body());
    if (patch == null || !contentType.equals("application/json-patch+json") && !patch.isObject()) {
      throw StatusError.badRequest("the patch must be a JSON object");
    }
    return current -> {
      try {
        JsonNode patched = switch (contentType) {
          case "application/json-patch+json" -> JsonPatch.apply(current, patch);
          case "application/merge-patch+json" -> MergePatch.apply(current, patch);
          default -> StrategicMergePatch.apply(current, (ObjectNode) patch);
        };
        if (!(patched instanceof ObjectNode object)) {
          throw new IllegalArgumentException("the patched document is not an object");
        }
        return object;
      } catch (IllegalArgumentException e) {
        throw StatusError.unprocessable(e.getMessage());
      }
    };
  }

  /**
   * Streams a watch: newline-delimited {"type","object"} events over a chunked response until
   * timeoutSeconds (or kube's default of 30–60 minutes), the server closing, the watcher overflowing,
   * or a write failing because the client left.
   */
  private void watch(Request request, Target target) throws IOException {
    String fieldSelector = request.param("fieldSelector");
    if (target.name() != null) {
      // watching one object is watching its collection for that name
      String byName = "metadata.name=" + target.name();
      fieldSelector = fieldSelector == null || fieldSelector.isBlank() ? byName : byName + "," + fieldSelector;
    }
    Filter filter = Filter.of(target.type(), target.namespace(), request.param("labelSelector"), fieldSelector);
    HttpExchange exchange = request.exchange();
    Watcher watcher;
    try {
      watcher = store.watch(filter, request.param("resourceVersion"), request.flag("allowWatchBookmarks"),
          request.flag("sendInitialEvents"));
    } catch (StatusError e) {
      if (e.code != 410) {
        throw e;
      }
      // kube answers a compacted resourceVersion with an ERROR event in a 200 stream, not an HTTP error
      startStream(exchange);
      writeEvent(exchange.getResponseBody(), "ERROR", e.toStatus());
      return;
    }
    long timeoutMillis = request.longParam("timeoutSeconds") > 0
        ? request.longParam("timeoutSeconds") * 1000
        : settings.minRequestTimeout().toMillis() * (1000 + ThreadLocalRandom.current().nextInt(1000)) / 1000;
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    try {
      startStream(exchange);
      OutputStream out = exchange.getResponseBody();
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        Watcher.Delivery delivery = left > 0 ? watcher.next(left) : null;
        if (delivery == null || Watcher.isEnd(delivery)) {
          return;
        }
        writeEvent(out, delivery.type(), delivery.type().equals("BOOKMARK")
            ? delivery.object() : printable(request, target, delivery.object()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      log.debug("watch client went away: {}", e.toString());
    } finally {
      store.stopWatching(watcher);
    }
  }

  private static void startStream(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", JSON_TYPE);
    exchange.sendResponseHeaders(200, 0);
  }

  private static void writeEvent(OutputStream out, String type, JsonNode object) throws IOException {
    ObjectNode event = JsonNodeFactory.instance.objectNode().put("type", type);
    event.set("object", object);
    out.write(JSON.writeValueAsBytes(event));
    out.write('\n');
    out.flush();
  }

  private static Filter filter(Request request, Target target) {
    return Filter.of(target.type(), target.namespace(), request.param("labelSelector"),
        request.param("fieldSelector"));
  }

  /** An object as the client wants to see it: itself, or a one-row Table when it asked for Tables (kubectl get). */
  private static JsonNode printable(Request request, Target target, JsonNode object) {
    String tableVersion = request.tableVersion();
    return tableVersion == null ? object : Tables.table(target.type(), List.of(object), tableVersion,
        request.param("includeObject"),
        JsonNodeFactory.instance.objectNode().put("resourceVersion", KubeObjects.resourceVersion(object)));
  }

  private static ObjectNode list(ResourceType type, ObjectNode metadata, List<ObjectNode> items) {
    ObjectNode list = JsonNodeFactory.instance.objectNode()
        .put("kind", type.kind() + "List").put("apiVersion", type.apiVersion());
    list.set("metadata", metadata);
    list.putArray("items").addAll(items);
    return list;
  }

  private ObjectNode rootPaths() {
    List<String> paths = new ArrayList<>(List.of("/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz",
        "/openapi/v2", "/version"));
    store.types().all().stream().filter(t -> !t.group().isEmpty()).forEach(t -> {
      paths.add("/apis/" + t.group());
      paths.add("/apis/" + t.apiVersion());
    });
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ArrayNode array = root.putArray("paths");
    paths.stream().distinct().sorted().forEach(array::add);
    return root;
  }

  /** POST goes to collections, PUT and PATCH to named objects; anything else is 405 as in kube. */
  private static void allowMethodIf(boolean allowed) {
    if (!allowed) {
      throw StatusError.methodNotAllowed();
    }
  }

  private static void sendJson(HttpExchange exchange, int code, JsonNode body) {
    try {
      send(exchange, code, JSON_TYPE, JSON.writeValueAsBytes(body));
    } catch (IOException e) {
      log.debug("could not answer {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
    }
  }

  private static void send(HttpExchange exchange, int code, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static List<String> segments(String rawPath) {
    List<String> segments = new ArrayList<>();
    for (String raw : rawPath.split("/")) {
      if (!raw.isEmpty()) {
        // percent-decoding only: '+' is a literal in paths
        segments.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
      }
    }
    return segments;
  }

  private static Map<String, String> query(String rawQuery) {
    Map<String, String> query = new HashMap<>();
    if (rawQuery != null) {
      for (String pair : rawQuery.split("&")) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        query.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
      }
    }
    return query;
  }

  /** What a resource request addresses; {@code status} for the /status subresource. */
  private record Target(ResourceType type, String namespace, String name, boolean status) {
  }

  private record Request(HttpExchange exchange, Map<String, String> query) {

    String method() {
      return exchange.getRequestMethod().toUpperCase(Locale.ROOT);
    }

    String param(String name) {
      return query.get(name);
    }

    boolean flag(String name) {
      String value = query.get(name);
      return "true".equals(value) || "1".equals(value);
    }

    long longParam(String name) {
      String value = query.get(name);
      try {
        return value == null || value.isEmpty() ? 0 : Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw StatusError.badRequest("invalid " + name + ": " + value);
      }
    }

    boolean dryRun() {
      return "All".equals(query.get("dryRun"));
    }

    /** The Content-Type without parameters, lower case; "" when absent. */
    String mediaType() {
      String header = exchange.getRequestHeaders().getFirst("Content-Type");
      return header == null ? "" : header.split(";")[0].trim().toLowerCase(Locale.ROOT);
    }

    byte[] body() throws IOException {
      return exchange.getRequestBody().readAllBytes();
    }

    /**
     * A POST/PUT body: JSON, or protobuf for the kinds client-java-proto describes (typed Go clients such as
     * Helm's release storage send it); YAML and other protobuf bodies are 415.
     */
    ObjectNode jsonObject() throws IOException {
      String mediaType = mediaType();
      if (mediaType.equals(ProtobufBodies.MEDIA_TYPE)) {
        return ProtobufBodies.decode(body()).orElseThrow(() ->
            StatusError.unsupportedMediaType(mediaType, List.of(JSON_TYPE, ProtobufBodies.MEDIA_TYPE)));
      }
      if (!mediaType.isEmpty() && !mediaType.equals(JSON_TYPE) && !mediaType.equals("*/*")) {
        throw StatusError.unsupportedMediaType(mediaType, List.of(JSON_TYPE));
      }
      JsonNode body = JSON.readTree(body());
      if (!(body instanceof ObjectNode object)) {
        throw StatusError.badRequest("the request body must be a JSON object");
      }
      return object;
    }

    /** DeleteOptions, or an empty object when the request has no body. */
    JsonNode optionalJson() throws IOException {
      byte[] body = body();
      if (body.length > 0 && mediaType().equals(ProtobufBodies.MEDIA_TYPE)) {
        return ProtobufBodies.decode(body).orElseThrow(() ->
            StatusError.unsupportedMediaType(mediaType(), List.of(JSON_TYPE, ProtobufBodies.MEDIA_TYPE)));
      }
      JsonNode options = body.length == 0 ? null : JSON.readTree(body);
      return options == null ? JsonNodeFactory.instance.objectNode() : options;
    }

    /** The meta.k8s.io Table version the client asked for in Accept (kubectl get does), else null. */
    String tableVersion() {
      String accept = exchange.getRequestHeaders().getFirst("Accept");
      if (accept == null) {
        return null;
      }
      for (String range : accept.split(",")) {
        Map<String, String> params = new HashMap<>();
        for (String param : range.split(";")) {
          int eq = param.indexOf('=');
          if (eq > 0) {
            params.put(param.substring(0, eq).trim(), param.substring(eq + 1).trim());
          }
        }
        if ("Table".equals(params.get("as")) && "meta.k8s.io".equals(params.get("g"))) {
          return "meta.k8s.io/" + params.getOrDefault("v", "v1");
        }
      }
      return null;
    }
  }
}
