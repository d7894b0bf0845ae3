package io.flotilla.hub.apps;

import akka.Done;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.hub.objects.ObjectEntity;
import io.flotilla.hub.objects.ObjectStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

/**
 * The apps pipeline's reads and writes of stored objects (Bases, Descriptions, FeedInventories,
 * Subscription status), straight to their entities. Writes are compare-and-set on the current
 * resourceVersion, retried when a user's write got in between; a write that changes nothing is a
 * no-op in the entity (no event), which is what keeps re-renders incremental.
 */
final class AppObjects {
  private static final int ATTEMPTS = 5;

  private final ObjectStore store;

  AppObjects(ObjectStore store) {
    this.store = store;
  }

  /** The object as stored, if it exists. */
  CompletionStage<Optional<ObjectNode>> get(String key) {
    return store.ask(key, ObjectEntity.Get::new).thenApply(reply -> reply instanceof ObjectEntity.Found found
        ? Optional.of(ObjectEntity.parseObject(found.object())) : Optional.empty());
  }

  /**
   * Makes the object look like desired: created when missing; otherwise its labels, annotations
   * and everything outside metadata are replaced, and its status kept unless desired has one
   * (status belongs to whoever reports it).
   */
  CompletionStage<ObjectNode> apply(String key, ObjectNode desired) {
    return apply(key, desired, AppObjects::merged, false);
  }

  /**
   * As {@link #apply(String, ObjectNode)}, with merge deciding what an existing object becomes.
   * likelyNew: try to create first (one ask instead of two for a new cluster's objects).
   */
  CompletionStage<ObjectNode> apply(String key, ObjectNode desired, BinaryOperator<ObjectNode> merge,
      boolean likelyNew) {
    if (likelyNew) {
      return create(key, desired, merge);
    }
    return get(key).thenCompose(current -> current.isEmpty()
        ? create(key, desired, merge)
        : update(key, stored -> merge.apply(stored, desired)).thenApply(Optional::orElseThrow));
  }

  private CompletionStage<ObjectNode> create(String key, ObjectNode desired, BinaryOperator<ObjectNode> merge) {
    return store.ask(key, reply -> new ObjectEntity.Create(Json.writeString(desired), false, reply))
        .thenCompose(reply -> reply instanceof ObjectEntity.Found found
            ? CompletableFuture.completedFuture(ObjectEntity.parseObject(found.object()))
            : update(key, stored -> merge.apply(stored, desired)).thenCompose(updated -> updated.isPresent()
                ? CompletableFuture.completedFuture(updated.get())
                : create(key, desired, merge))); // it exists (or was deleted meanwhile): update it instead
  }

  /** desired's labels, annotations and body over the stored object's metadata; stored status unless desired has one. */
  static ObjectNode merged(ObjectNode stored, ObjectNode desired) {
    ObjectNode result = desired.deepCopy();
    ObjectNode metadata = stored.withObjectProperty("metadata").deepCopy();
    for (String field : List.of("labels", "annotations")) {
      metadata.remove(field);
      if (desired.path("metadata").has(field)) {
        metadata.set(field, desired.path("metadata").get(field));
      }
    }
    result.set("metadata", metadata);
    if (!desired.has("status") && stored.has("status")) {
      result.set("status", stored.get("status"));
    }
    return result;
  }

  /**
   * Kube's GuaranteedUpdate: read, change, compare-and-set, again on a conflict. change answers
   * the new object (a copy it may modify). Answers the stored object, or empty when it is missing.
   */
  CompletionStage<Optional<ObjectNode>> update(String key, UnaryOperator<ObjectNode> change) {
    return update(key, change, ATTEMPTS);
  }

  private CompletionStage<Optional<ObjectNode>> update(String key, UnaryOperator<ObjectNode> change, int attempts) {
    return store.ask(key, ObjectEntity.Get::new).thenCompose(reply -> {
      if (!(reply instanceof ObjectEntity.Found found)) {
        return CompletableFuture.completedFuture(Optional.empty());
      }
      ObjectNode desired = change.apply(ObjectEntity.parseObject(found.object()));
      return store.ask(key, r -> new ObjectEntity.Update(Json.writeString(desired), found.resourceVersion(), false, r))
          .thenCompose(written -> {
            if (written instanceof ObjectEntity.Found stored) {
              return CompletableFuture.completedFuture(Optional.of(ObjectEntity.parseObject(stored.object())));
            }
            if (written instanceof ObjectEntity.Conflict && attempts > 1) {
              return update(key, change, attempts - 1);
            }
            return written instanceof ObjectEntity.Missing
                ? CompletableFuture.completedFuture(Optional.<ObjectNode>empty())
                : CompletableFuture.failedFuture(new IllegalStateException("could not update " + key + ": " + written));
          });
    });
  }

  CompletionStage<Done> delete(String key) {
    return store.ask(key, reply -> new ObjectEntity.Delete(0, false, reply)).thenApply(reply -> Done.getInstance());
  }
}
