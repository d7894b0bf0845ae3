package io.flotilla.hub.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.ResourceType;
import io.flotilla.api.StatusException;
import io.flotilla.api.Validation;
import io.flotilla.api.objects.JsonPatch;
import io.flotilla.api.objects.MergePatch;
import io.flotilla.api.objects.Selector;
import io.flotilla.api.objects.StrategicMergePatch;
import io.flotilla.hub.objects.ObjectEntity;
import io.flotilla.hub.objects.ObjectIndex;
import io.flotilla.hub.objects.ObjectKind;
import io.flotilla.hub.objects.ObjectStore;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;

/**
 * The verbs of a stored kind with kube-apiserver's semantics: the kind's rules (defaults, 422 on
 * invalid fields), the status subresource, patches of every type, updates as kube's
 * GuaranteedUpdate (read, change, write if the resourceVersion is unchanged, retry unless the
 * client named a resourceVersion), dry runs, finalizers. Single objects come from their entity,
 * lists from the {@link ObjectIndex}. Only the admin may use these kinds so far.
 */
public final class ObjectHandler implements ResourceHandler {
  private static final int ATTEMPTS = 5;
  private static final Set<String> SELECTABLE_FIELDS = Set.of("metadata.name", "metadata.namespace");
  private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ObjectKind kind;
  private final ResourceType type;
  private final ObjectStore store;
  private final ObjectIndex index;

  public ObjectHandler(ObjectKind kind, ObjectStore store, ObjectIndex index) {
    this.kind = kind;
    this.type = kind.type();
    this.store = store;
    this.index = index;
  }

  public static List<ResourceHandler> all(List<ObjectKind> kinds, ObjectStore store, ObjectIndex index) {
    return kinds.stream().map(kind -> (ResourceHandler) new ObjectHandler(kind, store, index)).toList();
  }

  @Override
  public ResourceType type() {
    return type;
  }

  @Override
  public CompletionStage<Response> get(Request request) {
    requireAdmin(request);
    return store.ask(key(request, request.name()), ObjectEntity.Get::new)
        .thenApply(reply -> Response.ok(decode(found(reply, request.name()).object())));
  }

  @Override
  public CompletionStage<Response> list(Request request) {
    requireAdmin(request);
    if ("true".equals(request.param("watch")) || "1".equals(request.param("watch"))) {
      // better a clear refusal than a list where a client expects an event stream
      throw StatusException.methodNotAllowed("watch is not supported yet for " + type.plural());
    }
    Selector labels;
    Selector fields;
    long limit;
    try {
      labels = Selector.parseLabels(request.param("labelSelector"));
      fields = Selector.parseFields(request.param("fieldSelector"));
      limit = request.param("limit") == null ? 0 : Long.parseLong(request.param("limit"));
    } catch (IllegalArgumentException e) {
      throw StatusException.badRequest(e.getMessage());
    }
    fields.requirements().forEach(r -> {
      if (!SELECTABLE_FIELDS.contains(r.key())) {
        throw StatusException.badRequest("field label not supported: " + r.key());
      }
    });
    return index.list(type.group(), type.plural(), type.namespaced(), request.namespace(), stored -> {
      JsonNode metadata = ObjectEntity.parseObject(stored).path("metadata");
      return labels.matches(key -> metadata.path("labels").hasNonNull(key) ? metadata.path("labels").get(key).asText() : null)
          && fields.matches(key -> metadata.path(key.substring("metadata.".length())).asText(""));
    }, limit, request.param("continue")).thenApply(page -> {
      ObjectNode list = Json.MAPPER.createObjectNode();
      list.put("apiVersion", type.groupVersion());
      list.put("kind", type.listKind());
      ObjectNode metadata = list.putObject("metadata").put("resourceVersion", "");
      if (page.continueToken() != null) {
        metadata.put("continue", page.continueToken());
      }
      ArrayNode items = list.putArray("items");
      page.objects().forEach(stored -> items.add(decode(stored)));
      return Response.ok(list);
    });
  }

  @Override
  public CompletionStage<Response> create(Request request) {
    requireAdmin(request);
    ObjectNode object = request.body().deepCopy();
    ResourceRoutes.requireTypeMeta(object, type);
    ObjectNode metadata = metadata(object);
    String bodyNamespace = metadata.path("namespace").asText("");
    if (type.namespaced() && !bodyNamespace.isEmpty() && !bodyNamespace.equals(request.namespace())) {
      throw StatusException.badRequest("the namespace of the provided object does not match the namespace sent on"
          + " the request");
    }
    if (type.namespaced()) {
      metadata.put("namespace", request.namespace());
    } else {
      metadata.remove("namespace");
    }
    String generateName = metadata.path("generateName").asText("");
    boolean generated = metadata.path("name").asText("").isEmpty() && !generateName.isEmpty();
    if (kind.hasStatus()) {
      object.remove("status"); // set through the status subresource only, as for CRDs with one
    }
    return create(request, object, generated ? generateName : null, ATTEMPTS);
  }

  private CompletionStage<Response> create(Request request, ObjectNode object, String generateName, int attempts) {
    if (generateName != null) {
      StringBuilder name = new StringBuilder(generateName);
      for (int i = 0; i < 5; i++) {
        name.append(NAME_ALPHABET.charAt(RANDOM.nextInt(NAME_ALPHABET.length())));
      }
      metadata(object).put("name", name.toString());
    }
    String name = metadata(object).path("name").asText("");
    admit(object, name);
    String stored = Json.writeString(kind.codec().toStored(object, null));
    return store.ask(key(request, name), replyTo -> new ObjectEntity.Create(stored, request.dryRun(), replyTo))
        .thenCompose(reply -> {
          if (reply instanceof ObjectEntity.AlreadyExists) {
            if (generateName != null && attempts > 1) {
              return create(request, object, generateName, attempts - 1);
            }
            throw StatusException.alreadyExists(type, name);
          }
          return CompletableFuture.completedFuture(Response.created(decode(found(reply, name).object())));
        });
  }

  @Override
  public CompletionStage<Response> update(Request request) {
    requireAdmin(request);
    ObjectNode body = request.body().deepCopy();
    ResourceRoutes.requireTypeMeta(body, type);
    requireSameName(body, request);
    boolean status = "status".equals(request.subresource());
    return guaranteedUpdate(request, ATTEMPTS, current -> {
      if (status) {
        ObjectNode desired = current.deepCopy();
        copyField(body, desired, "status");
        copyField(body.path("metadata"), metadata(desired), "resourceVersion");
        return desired;
      }
      ObjectNode desired = body.deepCopy();
      if (type.namespaced()) {
        metadata(desired).put("namespace", request.namespace());
      }
      if (kind.hasStatus()) {
        copyField(current, desired, "status");
      }
      return desired;
    });
  }

  @Override
  public CompletionStage<Response> patch(Request request) {
    requireAdmin(request);
    String patchType = request.mediaType();
    if (patchType.equals(ResourceRoutes.STRATEGIC_MERGE_PATCH) && !kind.builtIn()) {
      // as kube for custom resources: they have no patch strategies
      throw StatusException.unsupportedMediaType("the body of the request was in an unknown format - accepted media"
          + " types include: " + ResourceRoutes.JSON_PATCH + ", " + ResourceRoutes.MERGE_PATCH);
    }
    JsonNode patch = request.body();
    boolean status = "status".equals(request.subresource());
    return guaranteedUpdate(request, ATTEMPTS, current -> {
      // the patch is applied to the object without its resourceVersion: one left after patching is the client's
      ObjectNode base = current.deepCopy();
      metadata(base).remove("resourceVersion");
      ObjectNode patched = applyPatch(patchType, base, patch);
      ResourceRoutes.requireTypeMeta(patched, type);
      requireSameName(patched, request);
      if (status) {
        ObjectNode desired = current.deepCopy();
        copyField(patched, desired, "status");
        copyField(patched.path("metadata"), metadata(desired), "resourceVersion");
        return desired;
      }
      if (kind.hasStatus()) {
        copyField(current, patched, "status");
      }
      return patched;
    });
  }

  private static ObjectNode applyPatch(String patchType, ObjectNode base, JsonNode patch) {
    try {
      JsonNode patched = switch (patchType) {
        case ResourceRoutes.JSON_PATCH -> JsonPatch.apply(base, patch);
        case ResourceRoutes.MERGE_PATCH -> MergePatch.apply(base, patch);
        default -> StrategicMergePatch.apply(base, (ObjectNode) patch);
      };
      if (!(patched instanceof ObjectNode object)) {
        throw StatusException.unprocessable("the patched document is not an object");
      }
      return object;
    } catch (IllegalArgumentException e) {
      throw StatusException.unprocessable(e.getMessage());
    }
  }

  /**
   * kube's GuaranteedUpdate: read the current object, compute the desired one, write it if the
   * resourceVersion has not moved. A resourceVersion in the desired object is the client's
   * precondition (409 when stale); without one a lost race is retried on the new current object.
   */
  private CompletionStage<Response> guaranteedUpdate(Request request, int attempts, UnaryOperator<ObjectNode> change) {
    String key = key(request, request.name());
    return store.ask(key, ObjectEntity.Get::new).thenCompose(reply -> {
      ObjectEntity.Found current = found(reply, request.name());
      ObjectNode currentStored = ObjectEntity.parseObject(current.object());
      ObjectNode desired = change.apply(kind.codec().fromStored(currentStored.deepCopy()));
      String clientVersion = metadata(desired).path("resourceVersion").asText("");
      long expected = clientVersion.isEmpty() ? current.resourceVersion() : version(clientVersion, request.name());
      admit(desired, request.name());
      String stored = Json.writeString(kind.codec().toStored(desired, currentStored));
      return store.ask(key, replyTo -> new ObjectEntity.Update(stored, expected, request.dryRun(), replyTo))
          .thenCompose(written -> {
            if (written instanceof ObjectEntity.Conflict) {
              if (clientVersion.isEmpty() && attempts > 1) {
                return guaranteedUpdate(request, attempts - 1, change);
              }
              throw conflict(request.name());
            }
            return CompletableFuture.completedFuture(Response.ok(decode(found(written, request.name()).object())));
          });
    });
  }

  @Override
  public CompletionStage<Response> delete(Request request) {
    requireAdmin(request);
    if (request.subresource() != null) {
      throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    JsonNode options = request.body() == null ? Json.MAPPER.createObjectNode() : request.body();
    String precondition = options.path("preconditions").path("resourceVersion").asText("");
    boolean dryRun = request.dryRun() || options.path("dryRun").toString().contains("\"All\"");
    long expected = precondition.isEmpty() ? 0 : version(precondition, request.name());
    return store.ask(key(request, request.name()), replyTo -> new ObjectEntity.Delete(expected, dryRun, replyTo))
        .thenApply(reply -> {
          if (reply instanceof ObjectEntity.Conflict) {
            throw conflict(request.name());
          }
          ObjectNode object = decode(found(reply, request.name()).object());
          // kube answers 202 while finalizers hold the object, 200 once it is gone
          boolean pending = !dryRun && !object.path("metadata").path("finalizers").isEmpty();
          return new Response(pending ? 202 : 200, object);
        });
  }

  /** Defaults and validates an object about to be written: its metadata, then its kind's rules. */
  private void admit(ObjectNode object, String name) {
    Validation v = new Validation();
    ObjectNode metadata = metadata(object);
    v.required("metadata.name", name.isEmpty() ? null : name);
    if (type.kind().equals("Namespace")) {
      v.dns1123Label("metadata.name", name.isEmpty() ? null : name, 63);
    } else {
      v.dns1123Subdomain("metadata.name", name.isEmpty() ? null : name, 253);
    }
    v.labels("metadata.labels", strings(metadata, "labels", v));
    strings(metadata, "annotations", v);
    kind.rules().admit(object, v);
    v.throwIfInvalid(type.kind(), name);
  }

  /** A map of strings at metadata.field (labels, annotations); a cause for anything else. */
  private static Map<String, String> strings(ObjectNode metadata, String field, Validation v) {
    JsonNode node = metadata.get(field);
    Map<String, String> values = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return values;
    }
    if (!node.isObject()) {
      v.check(false, "metadata." + field, "Invalid value: must be a map of strings");
      return values;
    }
    node.fields().forEachRemaining(e -> {
      v.check(e.getValue().isTextual(), "metadata." + field + "[" + e.getKey() + "]", "Invalid value: must be a string");
      values.put(e.getKey(), e.getValue().asText());
    });
    return values;
  }

  private String key(Request request, String name) {
    return ObjectEntity.key(type.group(), type.plural(), type.namespaced() ? request.namespace() : null, name);
  }

  private ObjectNode decode(String stored) {
    return kind.codec().fromStored(ObjectEntity.parseObject(stored));
  }

  private ObjectEntity.Found found(ObjectEntity.Reply reply, String name) {
    if (reply instanceof ObjectEntity.Found found) {
      return found;
    }
    throw StatusException.notFound(type, name);
  }

  private StatusException conflict(String name) {
    return StatusException.conflict(type, name,
        "the object has been modified; please apply your changes to the latest version and try again");
  }

  private long version(String resourceVersion, String name) {
    try {
      return Long.parseLong(resourceVersion);
    } catch (NumberFormatException e) {
      throw conflict(name); // no object ever had it
    }
  }

  private void requireSameName(JsonNode object, Request request) {
    String name = object.path("metadata").path("name").asText("");
    String namespace = object.path("metadata").path("namespace").asText("");
    if (!name.equals(request.name())) {
      throw StatusException.badRequest("the name of the object (" + name + ") does not match the name on the URL ("
          + request.name() + ")");
    }
    if (type.namespaced() && !namespace.isEmpty() && !namespace.equals(request.namespace())) {
      throw StatusException.badRequest("the namespace of the provided object does not match the namespace sent on"
          + " the request");
    }
  }

  private void requireAdmin(Request request) {
    if (!(request.principal() instanceof Principal.Admin)) {
      throw StatusException.forbidden("this token may not access " + type.plural()
          + (type.group().isEmpty() ? "" : "." + type.group()));
    }
  }

  private static ObjectNode metadata(ObjectNode object) {
    if (!(object.get("metadata") instanceof ObjectNode)) {
      object.putObject("metadata");
    }
    return (ObjectNode) object.get("metadata");
  }

  private static void copyField(JsonNode from, ObjectNode to, String field) {
    JsonNode value = from.get(field);
    if (value == null) {
      to.remove(field);
    } else {
      to.set(field, value.deepCopy());
    }
  }
}
