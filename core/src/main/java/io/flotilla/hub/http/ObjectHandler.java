package io.flotilla.hub.http;

import akka.NotUsed;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.ResourceType;
import io.flotilla.api.Status;
import io.flotilla.api.StatusException;
import io.flotilla.api.Validation;
import io.flotilla.api.objects.JsonPatch;
import io.flotilla.api.objects.MergePatch;
import io.flotilla.api.objects.Selector;
import io.flotilla.api.objects.StrategicMergePatch;
import io.flotilla.hub.events.ObjectEvents;
import io.flotilla.hub.objects.ObjectEntity;
import io.flotilla.hub.History;
import io.flotilla.hub.objects.ObjectHistory;
import io.flotilla.hub.objects.ObjectIndex;
import io.flotilla.hub.objects.ObjectKind;
import io.flotilla.hub.objects.ObjectStore;
import io.flotilla.hub.objects.WatchCache;
import io.flotilla.hub.objects.WatchFilter;
import io.flotilla.hub.objects.WatchPosition;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/**
 * The verbs of a stored kind with kube-apiserver's semantics: the kind's rules (defaults, 422 on
 * invalid fields), the status subresource, patches of every type, updates as kube's
 * GuaranteedUpdate (read, change, write if the resourceVersion is unchanged, retry unless the
 * client named a resourceVersion), dry runs, finalizers. Single objects come from their entity,
 * lists from the {@link ObjectIndex}, watches from this node's {@link WatchCache}. Only the admin
 * may use these kinds so far.
 */
public final class ObjectHandler implements ResourceHandler {
  private static final int ATTEMPTS = 5;
  private static final int DELETE_PARALLELISM = 16;
  private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ObjectKind kind;
  private final ResourceType type;
  private final ObjectStore store;
  private final ObjectIndex index;
  private final WatchCache watches;
  private final ObjectHistory history;
  private final ObjectEvents events;

  public ObjectHandler(ObjectKind kind, ObjectStore store, ObjectIndex index, WatchCache watches,
      ObjectHistory history, ObjectEvents events) {
    this.events = events;
    this.kind = kind;
    this.type = kind.type();
    this.store = store;
    this.index = index;
    this.watches = watches;
    this.history = history;
  }

  public static List<ResourceHandler> all(List<ObjectKind> kinds, ObjectStore store, ObjectIndex index,
      WatchCache watches, ObjectHistory history, ObjectEvents events) {
    return kinds.stream()
        .map(kind -> (ResourceHandler) new ObjectHandler(kind, store, index, watches, history, events))
        .toList();
  }

  @Override
  public ResourceType type() {
    return type;
  }

  @Override
  public CompletionStage<Response> get(Request request) {
    authorize(request, Access.READ);
    if (request.param("at") != null && type.subresources().contains("history")) {
      Instant at = HistoryQueries.instant(request.param("at"));
      return history.at(key(request, request.name()), at).thenApply(then -> Response.ok(decode(Json.writeString(
          then.orElseThrow(() -> StatusException.notFound(type, request.name() + " at " + request.param("at")))))));
    }
    if ("history".equals(request.subresource())) {
      History.Query query = HistoryQueries.of(request);
      String key = key(request, request.name());
      return store.ask(key, ObjectEntity.Get::new)
          .thenCompose(reply -> {
            found(reply, request.name()); // 404 for an object that does not exist (now)
            return history.read(key, query);
          })
          .thenApply(page -> Response.ok(HistoryQueries.list(type.groupVersion(), type.kind() + "History", page)));
    }
    return store.ask(key(request, request.name()), ObjectEntity.Get::new)
        .thenApply(reply -> Response.ok(decode(found(reply, request.name()).object())));
  }

  @Override
  public CompletionStage<Response> list(Request request) {
    authorize(request, Access.READ);
    Selection selection = Selection.of(request);
    return index.list(type.group(), type.plural(), type.namespaced(), request.namespace(), selection::matchesStored,
        selection.limit(),
        request.param("continue")).thenApply(page -> Response.ok(
            list(page.position(), page.continueToken(), page.objects().stream().map(this::decode).toList())));
  }

  private ObjectNode list(WatchPosition position, String continueToken, List<ObjectNode> objects) {
    ObjectNode list = Json.MAPPER.createObjectNode();
    list.put("apiVersion", type.groupVersion());
    list.put("kind", type.listKind());
    ObjectNode metadata = list.putObject("metadata").put("resourceVersion", position.encode());
    if (continueToken != null) {
      metadata.put("continue", continueToken);
    }
    list.putArray("items").addAll(objects);
    return list;
  }

  /**
   * kube's watch: from a resourceVersion (a list's, a bookmark's or an event object's) the changes
   * after it; without one (or "0") the current objects as ADDED, then their changes. A
   * resourceVersion whose changes are no longer kept, or an object's own (it orders only that
   * object's changes), is an ERROR event with 410 Expired, on which clients list again.
   */
  @Override
  public CompletionStage<Source<WatchEvent, NotUsed>> watch(Request request) {
    authorize(request, Access.READ);
    Selection selection = Selection.of(request);
    WatchFilter filter = new WatchFilter(type.group(), type.plural(), request.namespace(), selection.labels(),
        selection.fields());
    boolean bookmarks = "true".equals(request.param("allowWatchBookmarks"));
    Duration timeout = watchTimeout(request);
    String resourceVersion = request.param("resourceVersion") == null ? "" : request.param("resourceVersion");
    if (resourceVersion.isEmpty() || resourceVersion.equals("0")) {
      return index.list(type.group(), type.plural(), type.namespaced(), request.namespace(), selection::matchesStored, 0, null)
          .thenApply(current -> Source.from(current.objects())
              .map(stored -> new WatchEvent("ADDED", decode(stored)))
              .concat(changes(filter, current.position(), bookmarks))
              .takeWithin(timeout));
    }
    Optional<WatchPosition> from;
    try {
      from = WatchPosition.parse(resourceVersion);
    } catch (IllegalArgumentException e) {
      throw StatusException.badRequest("invalid resourceVersion: " + resourceVersion);
    }
    Source<WatchEvent, NotUsed> events = from.isPresent()
        ? changes(filter, from.get(), bookmarks)
        : Source.single(expired("too old resource version: " + resourceVersion));
    return CompletableFuture.completedFuture(events.takeWithin(timeout));
  }

  private Source<WatchEvent, NotUsed> changes(WatchFilter filter, WatchPosition from, boolean bookmarks) {
    return watches.watch(filter, from, bookmarks).map(delivery -> {
      if (delivery instanceof WatchCache.Change change) {
        ObjectNode object = decode(change.object());
        long objectVersion = metadata(object).path("resourceVersion").asLong();
        metadata(object).put("resourceVersion", change.position().objectVersion(objectVersion));
        return new WatchEvent(change.type(), object);
      }
      if (delivery instanceof WatchCache.Bookmark bookmark) {
        ObjectNode object = Json.MAPPER.createObjectNode().put("kind", type.kind()).put("apiVersion", type.groupVersion());
        object.putObject("metadata").put("resourceVersion", bookmark.position().encode());
        return new WatchEvent("BOOKMARK", object);
      }
      return expired(((WatchCache.Expired) delivery).message());
    });
  }

  private static WatchEvent expired(String message) {
    return new WatchEvent("ERROR", Json.MAPPER.valueToTree(Status.failure(410, "Expired", message, null)));
  }

  /** timeoutSeconds, else as kube-apiserver: the default to twice it, at random, so re-watches spread out. */
  private Duration watchTimeout(Request request) {
    String seconds = request.param("timeoutSeconds");
    try {
      if (seconds != null && Long.parseLong(seconds) > 0) {
        return Duration.ofSeconds(Long.parseLong(seconds));
      }
    } catch (NumberFormatException e) {
      throw StatusException.badRequest("invalid timeoutSeconds: " + seconds);
    }
    long defaultMillis = watches.settings().defaultTimeout().toMillis();
    return Duration.ofMillis(defaultMillis + ThreadLocalRandom.current().nextLong(defaultMillis));
  }


  @Override
  public CompletionStage<Response> create(Request request) {
    authorize(request, Access.WRITE);
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
    authorize(request, statusOrWrite(request));
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
    authorize(request, statusOrWrite(request));
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
            String after = found(written, request.name()).object();
            if (!request.dryRun()) {
              events.written(type.group(), type.plural(), currentStored, ObjectEntity.parseObject(after));
            }
            return CompletableFuture.completedFuture(Response.ok(decode(after)));
          });
    });
  }

  @Override
  public CompletionStage<Response> delete(Request request) {
    authorize(request, Access.WRITE);
    if (request.subresource() != null) {
      throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    String precondition = deleteOptions(request).path("preconditions").path("resourceVersion").asText("");
    boolean dryRun = deleteDryRun(request);
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

  /**
   * kube's deletecollection: deletes every object the labelSelector and fieldSelector select (as the
   * index lists them: one written in the last moment may be missed), each as a DELETE of it would
   * (finalizers mark it instead), and answers the list of what it deleted.
   */
  @Override
  public CompletionStage<Response> deleteCollection(Request request) {
    authorize(request, Access.WRITE);
    if (type.namespaced() && request.namespace() == null) {
      // as kube: across namespaces a collection is only listed and watched
      throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    Selection selection = Selection.of(request);
    boolean dryRun = deleteDryRun(request);
    return index.list(type.group(), type.plural(), type.namespaced(), request.namespace(), selection::matchesStored, 0, null)
        .thenCompose(page -> deleteEach(page.objects(), 0, dryRun, new ArrayList<>())
            .thenApply(deleted -> Response.ok(list(page.position(), null, deleted))));
  }

  /** Deletes the listed objects DELETE_PARALLELISM at a time; one already gone is skipped. */
  private CompletionStage<List<ObjectNode>> deleteEach(List<String> listed, int from, boolean dryRun,
      List<ObjectNode> deleted) {
    if (from >= listed.size()) {
      return CompletableFuture.completedFuture(deleted);
    }
    List<CompletableFuture<ObjectEntity.Reply>> batch = listed.subList(from, Math.min(listed.size(),
        from + DELETE_PARALLELISM)).stream().map(stored -> {
          JsonNode metadata = ObjectEntity.parseObject(stored).path("metadata");
          String key = ObjectEntity.key(type.group(), type.plural(), metadata.path("namespace").textValue(),
              metadata.path("name").asText());
          return store.ask(key, replyTo -> new ObjectEntity.Delete(0, dryRun, replyTo)).toCompletableFuture();
        }).toList();
    return CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).thenCompose(done -> {
      batch.forEach(reply -> {
        if (reply.join() instanceof ObjectEntity.Found found) {
          deleted.add(decode(found.object()));
        }
      });
      return deleteEach(listed, from + DELETE_PARALLELISM, dryRun, deleted);
    });
  }

  private static JsonNode deleteOptions(Request request) {
    return request.body() == null ? Json.MAPPER.createObjectNode() : request.body();
  }

  private static boolean deleteDryRun(Request request) {
    return request.dryRun() || deleteOptions(request).path("dryRun").toString().contains("\"All\"");
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

  /** The object's own version in a client's resourceVersion (a watch event's carries a position after it). */
  private long version(String resourceVersion, String name) {
    try {
      return Long.parseLong(WatchPosition.objectPart(resourceVersion));
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

  /** What a request does to the objects of this kind, for {@link #authorize}. */
  private enum Access { READ, STATUS, WRITE }

  /** Kinds an agent reads in its dedicated namespace and reports the status of (Pull mode). */
  private static final Set<String> AGENT_KINDS = Set.of("descriptions", "helmreleases");

  /** A write to the object or its status; history is read-only (405). */
  private static Access statusOrWrite(Request request) {
    if (request.subresource() != null && !request.subresource().equals("status")) {
      throw StatusException.methodNotAllowed("the " + request.subresource() + " subresource is read-only");
    }
    return "status".equals(request.subresource()) ? Access.STATUS : Access.WRITE;
  }

  /**
   * The admin may do anything; a viewer reads all but Secrets; a cluster's token reads and reports
   * on its own Descriptions and HelmReleases.
   */
  private void authorize(Request request, Access access) {
    if (request.principal() instanceof Principal.Admin) {
      return;
    }
    if (request.principal() instanceof Principal.Viewer && access == Access.READ
        && !(type.group().isEmpty() && type.plural().equals("secrets"))) {
      return;
    }
    if (request.principal() instanceof Principal.Cluster cluster && access != Access.WRITE
        && type.group().equals("apps.clusternet.io") && AGENT_KINDS.contains(type.plural())
        && cluster.namespace() != null && cluster.namespace().equals(request.namespace())) {
      return;
    }
    throw StatusException.forbidden("this token may not " + (access == Access.READ ? "read " : "write ")
        + type.plural() + (type.group().isEmpty() ? "" : "." + type.group())
        + (request.namespace() == null ? "" : " in namespace " + request.namespace()));
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
