package io.flotilla.hub.apps;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.pattern.StatusReply;
import akka.stream.Materializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.objects.Selector;
import io.flotilla.hub.cluster.ClusterDirectory;
import io.flotilla.hub.cluster.ClusterDirectoryProjection;
import io.flotilla.hub.objects.ObjectEntity;
import io.flotilla.hub.objects.ObjectIndex;
import io.flotilla.hub.objects.ObjectKind;
import io.flotilla.hub.objects.ObjectStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Application distribution on a hub node: the Subscription controllers, and the triggers that
 * tell them what changed (wire {@link #clusterChanged} into the cluster directory projection). Triggers come from projections, after the read models have the change
 * (so a controller reading them sees it): object writes (Subscriptions, feeds, ApplyNow
 * Localizations and Globalizations) and cluster membership (joined, relabelled, left). A trigger
 * completes when the controllers it concerns have acted, so a projection retries until they do.
 */
public final class Apps implements ClusterDirectoryProjection.Listener {
  private final ClusterSharding sharding;
  private final AppObjects objects;
  private final ObjectIndex index;
  private final ClusterDirectory directory;
  private final Duration reconcileTimeout;

  private Apps(ClusterSharding sharding, AppObjects objects, ObjectIndex index, ClusterDirectory directory,
      Duration reconcileTimeout) {
    this.sharding = sharding;
    this.objects = objects;
    this.index = index;
    this.directory = directory;
    this.reconcileTimeout = reconcileTimeout;
  }

  public static Apps start(ActorSystem<?> system, ObjectStore store, ObjectIndex index, ClusterDirectory directory,
      List<ObjectKind> kinds, Duration reconcileTimeout) {
    AppObjects objects = new AppObjects(store);
    SubscriptionReconciler reconciler = new SubscriptionReconciler(objects, new FeedCatalog(kinds),
        directory, index, Materializer.matFromSystem(system), Clock.systemUTC());
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(SubscriptionController.ENTITY_KEY,
        ctx -> SubscriptionController.create(ctx.getEntityId(), reconciler)));
    Apps apps = new Apps(sharding, objects, index, directory, reconcileTimeout);
    AppsTriggerProjection.init(system, index, apps);
    return apps;
  }

  /** An object was written (its event as the index projection saw it). */
  public CompletionStage<Done> objectWritten(ObjectEntity.Event event) {
    String[] key = event.key().split("/", 4);
    String group = key[0];
    String plural = key[1];
    ObjectNode object = ObjectEntity.parseObject(event.object());
    if (!group.equals(SubscriptionReconciler.GROUP)) {
      return feedChanged(object);
    }
    return switch (plural) {
      case "subscriptions" -> event instanceof ObjectEntity.Deleted ? done() : tell(key[2], key[3],
          reply -> new SubscriptionController.SubscriptionChanged(object.path("metadata").path("generation").asLong(),
              object.path("metadata").has("deletionTimestamp"), reply));
      case "helmcharts", "manifests" -> feedChanged(object);
      case "globalizations" -> applyNow(object)
          ? forSubscriptionsOf(object.path("spec").path("feed"), SubscriptionController.Reconcile::new) : done();
      case "localizations" -> applyNow(object)
          ? forSubscriptionsOf(object.path("spec").path("feed"),
              reply -> new SubscriptionController.ClusterChanged(key[2], true, reply))
          : done();
      case "descriptions" -> descriptionWritten(object);
      default -> done(); // Bases, FeedInventories, HelmReleases: the pipeline's own output
    };
  }

  /** A Description's status may have changed: its Subscription aggregates them. */
  private CompletionStage<Done> descriptionWritten(ObjectNode description) {
    JsonNode labels = description.path("metadata").path("labels");
    String namespace = labels.path(SubscriptionReconciler.LABEL_SUBS_NAMESPACE).asText("");
    String name = labels.path(SubscriptionReconciler.LABEL_SUBS_NAME).asText("");
    if (namespace.isEmpty() || name.isEmpty() || !description.has("status")) {
      return done();
    }
    return tell(namespace, name, SubscriptionController.DescriptionReported::new);
  }

  /**
   * Only Subscriptions the change can concern are told: those that bind the cluster now, and
   * those one of whose subscribers selects its labels (the controller checks taints and the rest).
   */
  @Override
  public CompletionStage<Done> clusterChanged(String namespace) {
    return directory.list(namespace).thenCompose(clusters -> forSubscriptions(
        // the index's copy may lag behind the bindings: the entity's is current
        sub -> objects.get(SubscriptionReconciler.subscriptionKey(namespace(sub), name(sub)))
            .thenApply(current -> current.isPresent() && (binds(current.get(), namespace)
                || clusters.stream().anyMatch(cluster -> selects(current.get(), cluster)))),
        reply -> new SubscriptionController.ClusterChanged(namespace, false, reply)));
  }

  private static boolean binds(ObjectNode subscription, String namespace) {
    for (JsonNode bound : subscription.path("status").path("bindingClusters")) {
      if (bound.asText().startsWith(namespace + "/")) {
        return true;
      }
    }
    return false;
  }

  private static boolean selects(ObjectNode subscription, ManagedCluster cluster) {
    Map<String, String> labels = cluster.metadata().labels() == null ? Map.of() : cluster.metadata().labels();
    for (JsonNode subscriber : subscription.path("spec").path("subscribers")) {
      try {
        if (Selector.fromLabelSelector(subscriber.path("clusterAffinity")).matches(labels::get)) {
          return true;
        }
      } catch (IllegalArgumentException invalid) {
        return true; // let its controller report it
      }
    }
    return false;
  }

  private CompletionStage<Done> feedChanged(ObjectNode object) {
    ObjectNode feed = object.objectNode();
    feed.set("apiVersion", object.path("apiVersion"));
    feed.set("kind", object.path("kind"));
    feed.set("namespace", object.path("metadata").path("namespace"));
    feed.set("name", object.path("metadata").path("name"));
    return forSubscriptionsOf(feed, SubscriptionController.Reconcile::new);
  }

  /** ApplyLater overrides wait for the next change of what they override (Clusternet's default). */
  private static boolean applyNow(ObjectNode override) {
    return "ApplyNow".equals(override.path("spec").path("overridePolicy").asText());
  }

  private CompletionStage<Done> forSubscriptionsOf(JsonNode feed,
      Function<ActorRef<StatusReply<Done>>, SubscriptionController.Command> command) {
    return forSubscriptions(sub -> CompletableFuture.completedFuture(usesFeed(sub, feed)), command);
  }

  private static boolean usesFeed(ObjectNode subscription, JsonNode feed) {
    for (JsonNode ref : subscription.path("spec").path("feeds")) {
      if (ref.path("apiVersion").asText().equals(feed.path("apiVersion").asText())
          && ref.path("kind").asText().equals(feed.path("kind").asText())
          && ref.path("namespace").asText().equals(feed.path("namespace").asText())
          && ref.path("name").asText().equals(feed.path("name").asText())) {
        return true;
      }
    }
    return false;
  }

  /** Tells every Subscription the filter accepts (Subscriptions are few next to clusters: a list is cheap). */
  private CompletionStage<Done> forSubscriptions(Function<ObjectNode, CompletionStage<Boolean>> concerned,
      Function<ActorRef<StatusReply<Done>>, SubscriptionController.Command> command) {
    return index.list(SubscriptionReconciler.GROUP, "subscriptions", true, null, json -> true, 0, null)
        .thenCompose(page -> CompletableFuture.allOf(page.objects().stream()
            .map(ObjectEntity::parseObject)
            .map(sub -> concerned.apply(sub)
                .thenCompose(yes -> yes ? tell(namespace(sub), name(sub), command) : done())
                .toCompletableFuture())
            .toArray(CompletableFuture[]::new)))
        .thenApply(v -> Done.getInstance());
  }

  private static String namespace(ObjectNode object) {
    return object.path("metadata").path("namespace").asText();
  }

  private static String name(ObjectNode object) {
    return object.path("metadata").path("name").asText();
  }

  private CompletionStage<Done> tell(String namespace, String name,
      Function<ActorRef<StatusReply<Done>>, SubscriptionController.Command> command) {
    return sharding.entityRefFor(SubscriptionController.ENTITY_KEY, SubscriptionController.entityId(namespace, name))
        .askWithStatus(command::apply, reconcileTimeout);
  }

  private static CompletionStage<Done> done() {
    return CompletableFuture.completedFuture(Done.getInstance());
  }
}
