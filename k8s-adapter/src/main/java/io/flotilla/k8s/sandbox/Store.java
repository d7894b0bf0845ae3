package io.flotilla.k8s.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The sandbox's etcd and registry: every object of every type, one global revision counter that every
 * write bumps (it becomes the object's resourceVersion, as etcd's revision does), a bounded history of
 * change events for watches to resume from, and the open watchers. One lock guards everything; watchers
 * are fed without blocking while it is held, so a change and its events are atomic.
 */
final class Store implements AutoCloseable {

  /** A change, as kept in the history: {@code previous} is the object before a MODIFIED. */
  record Event(long revision, ResourceType type, String action, ObjectNode object, ObjectNode previous) {
  }

  /** One page of a list. */
  record Page(List<ObjectNode> items, String resourceVersion, String continueToken, Long remainingItemCount) {
  }

  /** DELETE preconditions (DeleteOptions.preconditions); null fields are unchecked. */
  record Preconditions(String uid, String resourceVersion) {
  }

  private record Key(String namespace, String name) {
    static final Comparator<Key> ORDER = Comparator.comparing(Key::namespace).thenComparing(Key::name);
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> UNDELETABLE_NAMESPACES = Set.of("default", "kube-system", "kube-public");
  private static final ResourceType DEFINITIONS = ResourceType.byKind(CustomResourceDefinitions.KIND).orElseThrow();

  private final Object lock = new Object();
  private final ResourceTypes types = new ResourceTypes();
  /** Per served type; custom types come and go with their definitions (see {@link #redefine}). */
  private final Map<ResourceType, NavigableMap<Key, ObjectNode>> objects = ResourceType.ALL.stream()
      .collect(Collectors.toMap(t -> t, t -> new TreeMap<>(Key.ORDER), (a, b) -> a, HashMap::new));
  private final ArrayDeque<Event> history = new ArrayDeque<>();
  private final Set<Watcher> watchers = new LinkedHashSet<>();
  private final KindRules rules = new KindRules();
  private final SandboxApiServer.Settings settings;
  private final ScheduledExecutorService scheduler;
  private long revision;
  /** The newest revision no longer in the history: watches from before it get 410 Expired. */
  private long compactedThrough;

  Store(SandboxApiServer.Settings settings) {
    this.settings = settings;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "sandbox-apiserver-timers");
      thread.setDaemon(true);
      return thread;
    });
    long bookmarkMillis = settings.bookmarkInterval().toMillis();
    scheduler.scheduleAtFixedRate(this::sendBookmarks, bookmarkMillis, bookmarkMillis, TimeUnit.MILLISECONDS);
  }

  /** The types served now: the built-in ones and those of the stored CustomResourceDefinitions. */
  ResourceTypes types() {
    return types;
  }

  ObjectNode create(ResourceType type, String namespace, ObjectNode body, boolean dryRun) {
    ObjectNode object = body.deepCopy();
    checkTypeMeta(type, object);
    ObjectNode metadata = KubeObjects.metadata(object);
    scope(type, namespace, metadata);
    synchronized (lock) {
      String name = metadata.path("name").asText("");
      if (name.isEmpty()) {
        String prefix = metadata.path("generateName").asText("");
        if (prefix.isEmpty()) {
          throw StatusError.invalid(type, "",
              "metadata.name: Required value: name or generateName is required");
        }
        do {
          name = prefix + KubeObjects.nameSuffix(ThreadLocalRandom.current());
        } while (stored(type).containsKey(key(type, namespace, name)));
        metadata.put("name", name);
      }
      KindRules.validateName(type, name);
      if (type.namespaced()) {
        requireActiveNamespace(type, namespace, name);
      }
      if (stored(type).containsKey(key(type, namespace, name))) {
        throw StatusError.alreadyExists(type, name);
      }
      metadata.remove(List.of("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"));
      stamp(metadata);
      metadata.put("generation", 1);
      rules.prepareForCreate(type, object);
      return dryRun ? object : insert(type, object);
    }
  }

  ObjectNode get(ResourceType type, String namespace, String name) {
    synchronized (lock) {
      return current(type, namespace, name).deepCopy();
    }
  }

  Page list(Filter filter, long limit, String continueToken) {
    synchronized (lock) {
      NavigableMap<Key, ObjectNode> all = stored(filter.type());
      String listRevision = String.valueOf(revision);
      NavigableMap<Key, ObjectNode> range = all;
      if (continueToken != null && !continueToken.isEmpty()) {
        JsonNode token = decodeContinue(continueToken);
        listRevision = token.path("rv").asText();
        range = all.tailMap(new Key(token.path("ns").asText(), token.path("name").asText()), false);
      }
      List<ObjectNode> items = new ArrayList<>();
      Key last = null;
      long remaining = 0;
      for (Map.Entry<Key, ObjectNode> entry : range.entrySet()) {
        if (!filter.matches(entry.getValue())) {
          continue;
        }
        if (limit > 0 && items.size() >= limit) {
          remaining++;
        } else {
          items.add(entry.getValue().deepCopy());
          last = entry.getKey();
        }
      }
      if (remaining == 0) {
        return new Page(items, listRevision, null, null);
      }
      ObjectNode token = JsonNodeFactory.instance.objectNode()
          .put("rv", listRevision).put("ns", last.namespace()).put("name", last.name());
      String encoded = Base64.getUrlEncoder().withoutPadding()
          .encodeToString(token.toString().getBytes(StandardCharsets.UTF_8));
      // kube only counts the rest when no selector filters it
      return new Page(items, listRevision, encoded, filter.hasSelectors() ? null : remaining);
    }
  }

  /** PUT: replaces the object (or only its status when {@code statusOnly}). */
  ObjectNode update(ResourceType type, String namespace, String name, ObjectNode body, boolean statusOnly,
                    boolean dryRun) {
    checkTypeMeta(type, body);
    synchronized (lock) {
      return write(type, namespace, name, current(type, namespace, name), body.deepCopy(), statusOnly, dryRun);
    }
  }

  /** PATCH: {@code patch} turns (a copy of) the current object into the wanted one, under the lock. */
  ObjectNode patch(ResourceType type, String namespace, String name, UnaryOperator<ObjectNode> patch,
                   boolean statusOnly, boolean dryRun) {
    synchronized (lock) {
      ObjectNode current = current(type, namespace, name);
      ObjectNode patched = patch.apply(current.deepCopy());
      checkTypeMeta(type, patched);
      return write(type, namespace, name, current, patched, statusOnly, dryRun);
    }
  }

  /** DELETE: the deleted object for kinds that return it, else a success Status; namespaces only start terminating. */
  JsonNode delete(ResourceType type, String namespace, String name, Preconditions preconditions, boolean dryRun) {
    synchronized (lock) {
      ObjectNode current = current(type, namespace, name);
      checkPreconditions(type, name, current, preconditions);
      if (type.kind().equals("Namespace")) {
        return terminateNamespace(type, name, current, dryRun);
      }
      ObjectNode deleted = dryRun ? current.deepCopy() : remove(type, current);
      return type.has(ResourceType.Trait.RETURNS_DELETED_OBJECT) ? deleted : success(type, deleted);
    }
  }

  /** DELETE on a collection: removes every match and answers with them as a list page. */
  Page deleteCollection(Filter filter, boolean dryRun) {
    synchronized (lock) {
      List<ObjectNode> deleted = new ArrayList<>();
      for (ObjectNode object : List.copyOf(stored(filter.type()).values())) {
        if (filter.matches(object)) {
          deleted.add(dryRun ? object.deepCopy() : remove(filter.type(), object));
        }
      }
      return new Page(deleted, String.valueOf(revision), null, null);
    }
  }

  /**
   * Opens a watch. Without a resourceVersion (or "0") it starts with an ADDED for every matching object;
   * from resourceVersion N it replays the history after N, or fails 410 Expired when N is compacted.
   */
  Watcher watch(Filter filter, String resourceVersion, boolean bookmarks, boolean sendInitialEvents) {
    synchronized (lock) {
      List<Watcher.Delivery> initial = new ArrayList<>();
      if (resourceVersion == null || resourceVersion.isEmpty() || resourceVersion.equals("0")) {
        stored(filter.type()).values().stream()
            .filter(filter::matches)
            .forEach(o -> initial.add(new Watcher.Delivery("ADDED", o)));
      } else {
        long from = parseResourceVersion(resourceVersion);
        if (from < compactedThrough) {
          throw StatusError.expired("too old resource version: " + from + " (" + (compactedThrough + 1) + ")");
        }
        history.stream()
            .filter(e -> e.revision() > from)
            .map(e -> Watcher.translate(filter, e))
            .filter(Objects::nonNull)
            .forEach(initial::add);
      }
      if (sendInitialEvents) {
        // kube ends the initial events of a streaming list with this annotated bookmark
        ObjectNode end = bookmark(filter.type());
        KubeObjects.metadata(end).putObject("annotations").put("k8s.io/initial-events-end", "true");
        initial.add(new Watcher.Delivery("BOOKMARK", end));
      }
      Watcher watcher = new Watcher(filter, bookmarks, initial, settings.watchQueueCapacity());
      watchers.add(watcher);
      return watcher;
    }
  }

  int watcherCount() {
    synchronized (lock) {
      return watchers.size();
    }
  }

  void stopWatching(Watcher watcher) {
    synchronized (lock) {
      watchers.remove(watcher);
    }
    watcher.close();
  }

  /** Stores an object as given, bypassing the create rules: how seeding puts in nodes and running pods. */
  void seed(ResourceType type, ObjectNode object) {
    checkTypeMeta(type, object);
    synchronized (lock) {
      stamp(KubeObjects.metadata(object));
      insert(type, object);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    synchronized (lock) {
      watchers.forEach(Watcher::close);
      watchers.clear();
    }
  }

  private ObjectNode write(ResourceType type, String namespace, String name, ObjectNode current,
                           ObjectNode wanted, boolean statusOnly, boolean dryRun) {
    ObjectNode wantedMeta = KubeObjects.metadata(wanted);
    String wantedName = wantedMeta.path("name").asText("");
    if (!wantedName.isEmpty() && !wantedName.equals(name)) {
      throw StatusError.badRequest(
          "the name of the object (" + wantedName + ") does not match the name on the URL (" + name + ")");
    }
    scope(type, namespace, wantedMeta);
    String wantedVersion = wantedMeta.path("resourceVersion").asText("");
    if (!wantedVersion.isEmpty() && !wantedVersion.equals(KubeObjects.resourceVersion(current))) {
      throw StatusError.staleResourceVersion(type, name);
    }
    ObjectNode next;
    if (statusOnly) {
      next = current.deepCopy();
      replaceField(next, "status", wanted.get("status"));
    } else {
      next = wanted;
      if (type.hasStatus()) {
        replaceField(next, "status", current.get("status"));
      }
      // identity and bookkeeping stay the server's
      ObjectNode meta = KubeObjects.metadata(next);
      ObjectNode currentMeta = KubeObjects.metadata(current);
      meta.put("name", name);
      for (String field : List.of("uid", "creationTimestamp", "generation", "deletionTimestamp")) {
        replaceField(meta, field, currentMeta.get(field));
      }
      rules.prepareForUpdate(type, current, next);
      if (!withoutMetaAndStatus(current).equals(withoutMetaAndStatus(next))) {
        meta.put("generation", currentMeta.path("generation").asLong(0) + 1);
      }
    }
    KubeObjects.metadata(next).put("resourceVersion", KubeObjects.resourceVersion(current));
    if (next.equals(current) || dryRun) {
      // like kube, a no-op write is not a write: no new resourceVersion, no watch event
      return next.deepCopy();
    }
    return modify(type, current, next);
  }

  /**
   * Marks the namespace Terminating now and deletes it with its contents a little later, as kube's namespace
   * controller does; kubectl relies on that when it deletes a namespace and then the objects in it.
   */
  private JsonNode terminateNamespace(ResourceType type, String name, ObjectNode current, boolean dryRun) {
    if (UNDELETABLE_NAMESPACES.contains(name)) {
      throw StatusError.forbidden(type, name, "this namespace may not be deleted");
    }
    if (dryRun || current.path("metadata").has("deletionTimestamp")) {
      return current.deepCopy();
    }
    ObjectNode terminating = current.deepCopy();
    KubeObjects.metadata(terminating).put("deletionTimestamp", KubeObjects.timestamp(Instant.now()));
    terminating.putObject("status").put("phase", "Terminating");
    scheduler.schedule(() -> finalizeNamespace(type, name), settings.namespaceFinalizeDelay().toMillis(),
        TimeUnit.MILLISECONDS);
    return modify(type, current, terminating);
  }

  private void finalizeNamespace(ResourceType namespaces, String name) {
    synchronized (lock) {
      for (ResourceType type : List.copyOf(objects.keySet())) {
        if (type.namespaced()) {
          for (ObjectNode object : List.copyOf(stored(type).subMap(
              new Key(name, ""), true, new Key(name + "\0", ""), false).values())) {
            remove(type, object);
          }
        }
      }
      ObjectNode namespace = stored(namespaces).get(key(namespaces, null, name));
      if (namespace != null) {
        remove(namespaces, namespace);
      }
    }
  }

  private static void stamp(ObjectNode metadata) {
    metadata.put("uid", UUID.randomUUID().toString());
    metadata.put("creationTimestamp", KubeObjects.timestamp(Instant.now()));
  }

  /** Stores a new object at the next revision; answers a copy. */
  private ObjectNode insert(ResourceType type, ObjectNode object) {
    KubeObjects.metadata(object).put("resourceVersion", String.valueOf(++revision));
    stored(type).put(key(type, KubeObjects.namespace(object), KubeObjects.name(object)), object);
    record(type, "ADDED", object, null);
    if (type.equals(DEFINITIONS)) {
      redefine(KubeObjects.name(object), CustomResourceDefinitions.servedType(object));
    }
    return object.deepCopy();
  }

  /** Stores a new version of an object at the next revision; answers a copy. */
  private ObjectNode modify(ResourceType type, ObjectNode current, ObjectNode next) {
    KubeObjects.metadata(next).put("resourceVersion", String.valueOf(++revision));
    stored(type).put(key(type, KubeObjects.namespace(next), KubeObjects.name(next)), next);
    record(type, "MODIFIED", next, current);
    if (type.equals(DEFINITIONS)) {
      redefine(KubeObjects.name(next), CustomResourceDefinitions.servedType(next));
    }
    return next.deepCopy();
  }

  /** Deletes a stored object; the returned copy carries the revision of the deletion, as kube's DELETED events do. */
  private ObjectNode remove(ResourceType type, ObjectNode object) {
    stored(type).remove(key(type, KubeObjects.namespace(object), KubeObjects.name(object)));
    ObjectNode deleted = object.deepCopy();
    KubeObjects.metadata(deleted).put("resourceVersion", String.valueOf(++revision));
    record(type, "DELETED", deleted, null);
    if (type.equals(DEFINITIONS)) {
      redefine(KubeObjects.name(object), null);
    }
    return deleted.deepCopy();
  }

  /**
   * Serves what a definition now defines ({@code type}; null once it is deleted). Its custom resources move
   * to the new type when only details changed (status subresource, short names); when the definition is gone
   * or stores another version they are deleted, as kube deletes custom resources with their definition.
   */
  private void redefine(String definitionName, ResourceType type) {
    ResourceType before = types.definedBy(definitionName).orElse(null);
    if (Objects.equals(before, type)) {
      return;
    }
    NavigableMap<Key, ObjectNode> kept = new TreeMap<>(Key.ORDER);
    if (before != null) {
      boolean sameResource = type != null && type.apiVersion().equals(before.apiVersion())
          && type.plural().equals(before.plural()) && type.namespaced() == before.namespaced();
      if (sameResource) {
        kept = objects.get(before);
      } else {
        List.copyOf(objects.get(before).values()).forEach(o -> remove(before, o));
      }
      objects.remove(before);
    }
    types.define(definitionName, type);
    if (type != null) {
      objects.put(type, kept);
    }
  }

  private void record(ResourceType type, String action, ObjectNode object, ObjectNode previous) {
    Event event = new Event(revision, type, action, object, previous);
    history.addLast(event);
    while (history.size() > settings.historySize()) {
      compactedThrough = history.removeFirst().revision();
    }
    for (Iterator<Watcher> it = watchers.iterator(); it.hasNext(); ) {
      Watcher watcher = it.next();
      Watcher.Delivery delivery = Watcher.translate(watcher.filter, event);
      if (delivery != null && !watcher.offer(delivery)) {
        it.remove();
      }
    }
  }

  private void sendBookmarks() {
    synchronized (lock) {
      // every event up to the current revision has been offered, so it is a safe point to resume from
      watchers.removeIf(w -> w.bookmarks && !w.offer(new Watcher.Delivery("BOOKMARK", bookmark(w.filter.type()))));
    }
  }

  private ObjectNode bookmark(ResourceType type) {
    ObjectNode bookmark = JsonNodeFactory.instance.objectNode()
        .put("kind", type.kind()).put("apiVersion", type.apiVersion());
    bookmark.putObject("metadata").put("resourceVersion", String.valueOf(revision));
    return bookmark;
  }

  /** The objects of a served type; 404 for a custom type whose definition went away after the request was routed. */
  private NavigableMap<Key, ObjectNode> stored(ResourceType type) {
    NavigableMap<Key, ObjectNode> stored = objects.get(type);
    if (stored == null) {
      throw StatusError.pathNotFound();
    }
    return stored;
  }

  private ObjectNode current(ResourceType type, String namespace, String name) {
    ObjectNode object = stored(type).get(key(type, namespace, name));
    if (object == null) {
      throw StatusError.notFound(type, name);
    }
    return object;
  }

  private void requireActiveNamespace(ResourceType type, String namespace, String name) {
    ResourceType namespaces = ResourceType.byKind("Namespace").orElseThrow();
    ObjectNode ns = stored(namespaces).get(key(namespaces, null, namespace));
    if (ns == null) {
      throw StatusError.notFound(namespaces, namespace);
    }
    if (ns.path("metadata").has("deletionTimestamp")) {
      throw StatusError.forbidden(type, name, "unable to create new content in namespace " + namespace
          + " because it is being terminated");
    }
  }

  /** Fills metadata.namespace from the path (cluster-scoped objects have none); a different one is 400. */
  private static void scope(ResourceType type, String namespace, ObjectNode metadata) {
    if (!type.namespaced()) {
      metadata.remove("namespace");
      return;
    }
    String given = metadata.path("namespace").asText("");
    if (!given.isEmpty() && !given.equals(namespace)) {
      throw StatusError.badRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
    metadata.put("namespace", namespace);
  }

  /** Empty apiVersion/kind are filled in (client-java sends none); different ones are 400. */
  private static void checkTypeMeta(ResourceType type, ObjectNode object) {
    String apiVersion = object.path("apiVersion").asText("");
    String kind = object.path("kind").asText("");
    if (!apiVersion.isEmpty() && !apiVersion.equals(type.apiVersion())) {
      throw StatusError.badRequest("the API version in the data (" + apiVersion
          + ") does not match the expected API version (" + type.apiVersion() + ")");
    }
    if (!kind.isEmpty() && !kind.equals(type.kind())) {
      throw StatusError.badRequest("the kind in the data (" + kind + ") does not match the expected kind ("
          + type.kind() + ")");
    }
    object.put("apiVersion", type.apiVersion()).put("kind", type.kind());
  }

  private static void checkPreconditions(ResourceType type, String name, ObjectNode current,
                                         Preconditions preconditions) {
    JsonNode meta = current.path("metadata");
    if (preconditions.uid() != null && !preconditions.uid().equals(meta.path("uid").asText())) {
      throw StatusError.conflict(type, name, "Precondition failed: UID in precondition: " + preconditions.uid()
          + ", UID in object meta: " + meta.path("uid").asText());
    }
    if (preconditions.resourceVersion() != null
        && !preconditions.resourceVersion().equals(meta.path("resourceVersion").asText())) {
      throw StatusError.conflict(type, name, "Precondition failed: ResourceVersion in precondition: "
          + preconditions.resourceVersion() + ", ResourceVersion in object meta: "
          + meta.path("resourceVersion").asText());
    }
  }

  private static ObjectNode success(ResourceType type, ObjectNode deleted) {
    ObjectNode status = JsonNodeFactory.instance.objectNode();
    status.put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Success");
    ObjectNode details = status.putObject("details").put("name", KubeObjects.name(deleted));
    if (!type.group().isEmpty()) {
      details.put("group", type.group());
    }
    details.put("kind", type.plural()).put("uid", deleted.path("metadata").path("uid").asText());
    return status;
  }

  /** Everything but metadata and status: what bumps metadata.generation when it changes. */
  private static ObjectNode withoutMetaAndStatus(ObjectNode object) {
    ObjectNode copy = object.deepCopy();
    copy.remove(List.of("metadata", "status", "apiVersion", "kind"));
    return copy;
  }

  private static void replaceField(ObjectNode object, String field, JsonNode value) {
    if (value == null) {
      object.remove(field);
    } else {
      object.set(field, value.deepCopy());
    }
  }

  private static Key key(ResourceType type, String namespace, String name) {
    return new Key(type.namespaced() ? namespace : "", name);
  }

  private static long parseResourceVersion(String resourceVersion) {
    try {
      return Long.parseLong(resourceVersion);
    } catch (NumberFormatException e) {
      throw StatusError.badRequest("invalid resource version: " + resourceVersion);
    }
  }

  private static JsonNode decodeContinue(String token) {
    try {
      return JSON.readTree(Base64.getUrlDecoder().decode(token));
    } catch (Exception e) {
      throw StatusError.badRequest("invalid continue token: " + token);
    }
  }
}
