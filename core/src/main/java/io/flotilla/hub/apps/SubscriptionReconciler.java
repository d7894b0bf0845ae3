package io.flotilla.hub.apps;

import akka.Done;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.Taint;
import io.flotilla.api.Times;
import io.flotilla.api.objects.Selector;
import io.flotilla.hub.cluster.ClusterDirectory;
import io.flotilla.hub.objects.ObjectEntity;
import io.flotilla.hub.objects.ObjectIndex;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * What one Subscription means for the fleet, made so: its feeds' inventory, the clusters it
 * binds (scheduled against the cluster directory), a Base per binding cluster in that cluster's
 * dedicated namespace, the Base rendered into Descriptions, Bases of clusters that left deleted,
 * and the Subscription's status. Every step is idempotent and writes only what differs, so a
 * full reconcile after a small change rewrites only what the change touched; the per-cluster
 * path ({@link #reconcileCluster}) touches one cluster only.
 *
 * Calls for one Subscription must not overlap: {@link SubscriptionController} serializes them.
 */
final class SubscriptionReconciler {
  static final String GROUP = "apps.clusternet.io";
  static final String API_VERSION = GROUP + "/v1alpha1";
  /** Kept on a Subscription until its Bases are gone, as Clusternet's. */
  static final String FINALIZER = "apps.clusternet.io/finalizer";
  static final String LABEL_SUBS_NAME = "apps.clusternet.io/subs.name";
  static final String LABEL_SUBS_NAMESPACE = "apps.clusternet.io/subs.namespace";
  static final String LABEL_SUBS_UID = "apps.clusternet.io/subs.uid";
  private static final List<String> DESCRIPTION_SUFFIXES = List.of("-generic", "-helm");
  /** How the reason of a Description that could not be rendered starts (the agent's failures say otherwise). */
  static final String RENDER_FAILED = "render failed: ";
  /** Clusters rendered at once during a full reconcile. */
  private static final int CLUSTER_PARALLELISM = 64;

  /** How a reconcile ended, for the controller (a missing feed is retried later). */
  enum Outcome { DONE, WAITING_FOR_FEEDS }

  private final AppObjects objects;
  private final FeedCatalog feeds;
  private final ClusterDirectory directory;
  private final ObjectIndex index;
  private final Materializer materializer;
  private final Clock clock;

  SubscriptionReconciler(AppObjects objects, FeedCatalog feeds, ClusterDirectory directory, ObjectIndex index,
      Materializer materializer, Clock clock) {
    this.objects = objects;
    this.feeds = feeds;
    this.directory = directory;
    this.index = index;
    this.materializer = materializer;
    this.clock = clock;
  }

  static String subscriptionKey(String namespace, String name) {
    return ObjectEntity.key(GROUP, "subscriptions", namespace, name);
  }

  // --- full reconcile --------------------------------------------------------------------------

  CompletionStage<Outcome> reconcile(String namespace, String name) {
    String key = subscriptionKey(namespace, name);
    return objects.get(key).thenCompose(found -> {
      if (found.isEmpty()) {
        return done();
      }
      ObjectNode sub = found.get();
      if (sub.path("metadata").has("deletionTimestamp")) {
        return removeAll(key, sub);
      }
      return withFinalizer(key, sub).thenCompose(this::loadFeeds).thenCompose(loaded -> {
        if (!loaded.missing().isEmpty()) {
          return setCondition(key, "FeedsReady", "False", "FeedNotFound",
              "feeds not found: " + String.join(", ", loaded.missing()))
              .thenApply(done -> Outcome.WAITING_FOR_FEEDS);
        }
        return schedule(key, loaded).thenApply(done -> Outcome.DONE);
      });
    });
  }

  private CompletionStage<Done> schedule(String key, Loaded loaded) {
    ObjectNode sub = loaded.subscription();
    JsonNode spec = sub.path("spec");
    Set<String> bound = bindingClusters(sub);
    return writeInventory(loaded)
        .thenCompose(done -> directory.candidates(subscriberSelectors(spec), materializer))
        .thenCompose(clusters -> {
          List<ClusterCandidate> candidates = clusters.stream()
              .map(cluster -> candidate(cluster, bound.contains(namespaceName(cluster))))
              .toList();
          Scheduling.Placement placement = Scheduling.schedule(spec, candidates, loaded.orders());
          if (placement.unschedulableReason() != null) {
            return setCondition(key, "Scheduled", "False", "Unschedulable", placement.unschedulableReason());
          }
          return overrides().thenCompose(overrides -> {
            List<ClusterCandidate> bindings = placement.bindings();
            return Source.range(0, bindings.size() - 1)
                .mapAsyncUnordered(CLUSTER_PARALLELISM, i -> renderCluster(loaded, bindings.get(i),
                    !bound.contains(bindings.get(i).key()),
                    replicasOf(placement, i), overrides.globalizations(),
                    overrides.localizations().getOrDefault(bindings.get(i).namespace(), List.of())))
                .runWith(Sink.ignore(), materializer)
                .thenCompose(rendered -> {
                  Set<String> now = bindings.stream().map(ClusterCandidate::key).collect(Collectors.toSet());
                  List<String> gone = bound.stream().filter(cluster -> !now.contains(cluster)).toList();
                  return Source.from(gone)
                      .mapAsyncUnordered(CLUSTER_PARALLELISM, cluster -> removeCluster(sub, cluster))
                      .runWith(Sink.ignore(), materializer)
                      .thenCompose(d -> writeStatus(key, placement));
                });
          });
        });
  }

  // --- one cluster -----------------------------------------------------------------------------

  /**
   * A cluster changed (joined, relabelled, left) or one of its Localizations did (rerender):
   * binds or unbinds that cluster alone. Dividing spreads replicas over all bindings, so a
   * membership change there reschedules the whole Subscription (unchanged Descriptions are
   * no-op writes).
   */
  CompletionStage<Outcome> reconcileCluster(String namespace, String name, String clusterNamespace,
      boolean rerender) {
    String key = subscriptionKey(namespace, name);
    return objects.get(key).thenCompose(found -> {
      if (found.isEmpty() || found.get().path("metadata").has("deletionTimestamp")) {
        return done();
      }
      if ("Dividing".equals(found.get().path("spec").path("schedulingStrategy").asText())) {
        return reconcile(namespace, name);
      }
      // a cluster's change may reach the controller before the Subscription's own creation does:
      // whatever this binds, the finalizer must be there to remove it again
      return withFinalizer(key, found.get()).thenCompose(sub -> bindOrUnbind(sub, clusterNamespace, rerender));
    });
  }

  /** reconcileCluster's work, once the Subscription is known to be live and not Dividing. */
  private CompletionStage<Outcome> bindOrUnbind(ObjectNode sub, String clusterNamespace, boolean rerender) {
    String key = subscriptionKey(namespace(sub), name(sub));
    return directory.list(clusterNamespace).thenCompose(clusters -> loadFeeds(sub).thenCompose(loaded -> {
      if (!loaded.missing().isEmpty()) {
        return reconcile(namespace(sub), name(sub));
      }
      Set<String> bound = bindingClusters(sub);
      Optional<String> wasBound = bound.stream().filter(c -> c.startsWith(clusterNamespace + "/")).findFirst();
      Scheduling.Placement placement = Scheduling.schedule(sub.path("spec"),
          clusters.stream().map(c -> candidate(c, wasBound.isPresent())).toList(), loaded.orders());
      if (!placement.bindings().isEmpty()) {
        ClusterCandidate cluster = placement.bindings().get(0);
        if (wasBound.isPresent() && !rerender && wasBound.get().equals(cluster.key())) {
          return done();
        }
        return overrides().thenCompose(overrides -> renderCluster(loaded, cluster, wasBound.isEmpty(),
                replicasOf(placement, 0),
                overrides.globalizations(), overrides.localizations().getOrDefault(clusterNamespace, List.of())))
            .thenCompose(rendered -> changeBindings(key, bindings -> bindings.add(cluster.key())))
            .thenApply(done -> Outcome.DONE);
      }
      if (wasBound.isEmpty()) {
        return done();
      }
      return removeCluster(sub, wasBound.get())
          .thenCompose(done -> changeBindings(key, bindings -> bindings.remove(wasBound.get())))
          .thenApply(done -> Outcome.DONE);
    }));
  }

  // --- steps -----------------------------------------------------------------------------------

  /** The Subscription and the templates of its feeds (missing ones named). */
  private record Loaded(ObjectNode subscription, Map<String, ObjectNode> templates, List<JsonNode> orders,
      Map<String, String> replicaJsonPaths, List<String> missing) {}

  private CompletionStage<Loaded> loadFeeds(ObjectNode sub) {
    List<JsonNode> refs = new ArrayList<>();
    sub.path("spec").path("feeds").forEach(refs::add);
    return Source.from(refs)
        .mapAsync(4, ref -> feeds.key(ref)
            .map(key -> objects.get(key).thenApply(found -> found.map(stored -> feeds.template(ref, stored))))
            .orElse(CompletableFuture.completedFuture(Optional.empty())))
        .runWith(Sink.seq(), materializer)
        .thenApply(found -> {
          Map<String, ObjectNode> templates = new LinkedHashMap<>();
          List<JsonNode> orders = new ArrayList<>();
          Map<String, String> paths = new HashMap<>();
          List<String> missing = new ArrayList<>();
          for (int i = 0; i < refs.size(); i++) {
            String feedKey = FeedInventories.feedKey(refs.get(i));
            if (found.get(i).isEmpty()) {
              missing.add(feedKey);
              continue;
            }
            ObjectNode order = FeedInventories.order(refs.get(i), found.get(i).get());
            templates.put(feedKey, found.get(i).get());
            orders.add(order);
            if (order.hasNonNull("replicaJsonPath")) {
              paths.put(feedKey, order.get("replicaJsonPath").asText());
            }
          }
          return new Loaded(sub, templates, orders, paths, missing);
        });
  }

  /** Clusternet's FeedInventory: one per Subscription, same namespace and name. */
  private CompletionStage<ObjectNode> writeInventory(Loaded loaded) {
    ObjectNode sub = loaded.subscription();
    ObjectNode inventory = object("FeedInventory", namespace(sub), name(sub), subscriptionLabels(sub));
    ArrayNode feedOrders = inventory.putObject("spec").putArray("feeds");
    loaded.orders().forEach(feedOrders::add);
    return objects.apply(ObjectEntity.key(GROUP, "feedinventories", namespace(sub), name(sub)), inventory);
  }

  /** Writes the cluster's Base and its Descriptions. */
  private CompletionStage<Done> renderCluster(Loaded loaded, ClusterCandidate cluster, boolean newBinding,
      Map<String, Integer> replicas,
      List<ObjectNode> globalizations, List<ObjectNode> localizations) {
    ObjectNode sub = loaded.subscription();
    Map<String, String> labels = subscriptionLabels(sub);
    labels.put(ManagedCluster.LABEL_CLUSTER_ID, cluster.clusterId());
    labels.put(ManagedCluster.LABEL_CLUSTER_NAME, cluster.name());
    ObjectNode base = object("Base", cluster.namespace(), name(sub), labels);
    base.putObject("spec").set("feeds", sub.path("spec").path("feeds").deepCopy());
    return objects.apply(baseKey(cluster.namespace(), name(sub)), base, AppObjects::merged, newBinding)
        .thenCompose(storedBase -> writeDescriptions(storedBase, Rendering.render(storedBase, cluster.labels(),
            loaded.templates(), globalizations, localizations, replicas, loaded.replicaJsonPaths()), newBinding));
  }

  /** The Base's Descriptions as rendered; one it no longer has (no charts left, say) is deleted. */
  private CompletionStage<Done> writeDescriptions(ObjectNode base, List<Rendering.Rendered> rendered,
      boolean newBinding) {
    String namespace = namespace(base);
    Set<String> written = new TreeSet<>();
    List<CompletionStage<?>> writes = new ArrayList<>();
    for (Rendering.Rendered r : rendered) {
      String descName = r.description().path("metadata").path("name").asText();
      written.add(descName);
      if (r.failure() == null && r.description().path("spec").path("deployer").asText().equals("Helm")) {
        writes.add(releasesOf(namespace, descName, newBinding).thenCompose(previous ->
            writeDescription(descriptionKey(namespace, descName), r, newBinding)
                .thenCompose(d -> syncHelmReleases(namespace, HelmReleases.of(r.description()), previous, newBinding))));
      } else {
        writes.add(writeDescription(descriptionKey(namespace, descName), r, newBinding));
      }
    }
    for (String suffix : DESCRIPTION_SUFFIXES) {
      String descName = name(base) + suffix;
      if (!newBinding && !written.contains(descName)) {
        writes.add(deleteDescription(namespace, descName));
      }
    }
    return allOf(writes).thenApply(done -> Done.getInstance());
  }

  /** Deletes a Description and the HelmReleases it had. */
  private CompletionStage<Done> deleteDescription(String namespace, String descName) {
    return releasesOf(namespace, descName, false).thenCompose(previous ->
        objects.delete(descriptionKey(namespace, descName))
            .thenCompose(done -> syncHelmReleases(namespace, List.of(), previous, false)));
  }

  /** The names of the HelmReleases the stored Description has (read before it is overwritten). */
  private CompletionStage<Set<String>> releasesOf(String namespace, String descName, boolean newBinding) {
    if (newBinding) {
      return CompletableFuture.completedFuture(Set.of());
    }
    return objects.get(descriptionKey(namespace, descName)).thenApply(stored -> stored
        .map(description -> HelmReleases.of(description).stream()
            .map(release -> release.path("metadata").path("name").asText())
            .collect(Collectors.toSet()))
        .orElse(Set.of()));
  }

  /** Writes these HelmReleases (their status, the agent's report, kept) and deletes the previous ones that left. */
  private CompletionStage<Done> syncHelmReleases(String namespace, List<ObjectNode> releases, Set<String> previous,
      boolean newBinding) {
    List<CompletionStage<?>> writes = new ArrayList<>();
    Set<String> names = new TreeSet<>();
    for (ObjectNode release : releases) {
      String releaseName = release.path("metadata").path("name").asText();
      names.add(releaseName);
      writes.add(objects.apply(ObjectEntity.key(GROUP, "helmreleases", namespace, releaseName), release,
          AppObjects::merged, newBinding));
    }
    for (String gone : previous) {
      if (!names.contains(gone)) {
        writes.add(objects.delete(ObjectEntity.key(GROUP, "helmreleases", namespace, gone)));
      }
    }
    return allOf(writes).thenApply(done -> Done.getInstance());
  }

  /**
   * A new spec is Pending until the agent reports on it. A render failure keeps the spec the
   * cluster has (delivering the partial one would prune what failed) and says why in status.
   */
  private CompletionStage<ObjectNode> writeDescription(String key, Rendering.Rendered rendered, boolean likelyNew) {
    ObjectNode desired = rendered.description();
    ObjectNode status = desired.putObject("status");
    if (rendered.failure() != null) {
      status.put("phase", "Failure").put("reason", RENDER_FAILED + rendered.failure());
      return objects.apply(key, desired, (stored, failed) -> {
        stored.set("status", failed.get("status"));
        return stored;
      }, likelyNew);
    }
    status.put("phase", "Pending");
    return objects.apply(key, desired, (stored, fresh) -> {
      ObjectNode result = AppObjects.merged(stored, fresh);
      JsonNode reported = stored.path("status");
      if (stored.path("spec").equals(fresh.path("spec")) && stored.has("status")
          && !reported.path("reason").asText().startsWith(RENDER_FAILED)) {
        result.set("status", reported);
      } else if (reported.has("manifestStatuses")) {
        // what the agent deployed last: it prunes what the new spec no longer has from this list
        result.withObjectProperty("status").set("manifestStatuses", reported.get("manifestStatuses"));
      }
      return result;
    }, likelyNew);
  }

  /** Deletes a cluster's Base and Descriptions for this Subscription ("namespace/name" of the cluster). */
  private CompletionStage<Done> removeCluster(ObjectNode sub, String cluster) {
    String clusterNamespace = cluster.substring(0, cluster.indexOf('/'));
    List<CompletionStage<Done>> deletes = new ArrayList<>();
    for (String suffix : DESCRIPTION_SUFFIXES) {
      deletes.add(deleteDescription(clusterNamespace, name(sub) + suffix));
    }
    deletes.add(objects.delete(baseKey(clusterNamespace, name(sub))));
    return allOf(deletes).thenApply(d -> Done.getInstance());
  }

  /** A deleted Subscription: every Base goes, then the finalizer, which lets the delete finish. */
  private CompletionStage<Outcome> removeAll(String key, ObjectNode sub) {
    return Source.from(List.copyOf(bindingClusters(sub)))
        .mapAsyncUnordered(CLUSTER_PARALLELISM, cluster -> removeCluster(sub, cluster))
        .runWith(Sink.ignore(), materializer)
        .thenCompose(done -> objects.delete(ObjectEntity.key(GROUP, "feedinventories", namespace(sub), name(sub))))
        .thenCompose(done -> objects.update(key, current -> {
          ArrayNode finalizers = current.withObjectProperty("metadata").withArrayProperty("finalizers");
          for (int i = finalizers.size() - 1; i >= 0; i--) {
            if (FINALIZER.equals(finalizers.get(i).asText())) {
              finalizers.remove(i);
            }
          }
          return current;
        }))
        .thenApply(done -> Outcome.DONE);
  }

  private CompletionStage<ObjectNode> withFinalizer(String key, ObjectNode sub) {
    for (JsonNode finalizer : sub.path("metadata").path("finalizers")) {
      if (FINALIZER.equals(finalizer.asText())) {
        return CompletableFuture.completedFuture(sub);
      }
    }
    return objects.update(key, current -> {
      current.withObjectProperty("metadata").withArrayProperty("finalizers").add(FINALIZER);
      return current;
    }).thenApply(updated -> updated.orElse(sub));
  }

  /** Globalizations (all) and Localizations (by namespace), read once per reconcile. */
  private record Overrides(List<ObjectNode> globalizations, Map<String, List<ObjectNode>> localizations) {}

  private CompletionStage<Overrides> overrides() {
    return listAll("globalizations", false).thenCombine(listAll("localizations", true), (globs, locs) ->
        new Overrides(globs, locs.stream().collect(Collectors.groupingBy(loc -> namespace(loc)))));
  }

  private CompletionStage<List<ObjectNode>> listAll(String plural, boolean namespaced) {
    return index.list(GROUP, plural, namespaced, null, object -> true, 0, null)
        .thenApply(page -> page.objects().stream().map(ObjectEntity::parseObject).toList());
  }

  // --- status ----------------------------------------------------------------------------------

  /** completedReleases and aggregatedStatuses from what the agents reported on the Descriptions. */
  CompletionStage<Outcome> aggregate(String namespace, String name) {
    String key = subscriptionKey(namespace, name);
    return objects.get(key).thenCompose(found -> {
      if (found.isEmpty() || found.get().path("metadata").has("deletionTimestamp")) {
        return done();
      }
      String uid = found.get().path("metadata").path("uid").asText();
      return index.list(GROUP, "descriptions", true, null,
              json -> ObjectEntity.parseObject(json).path("metadata").path("labels").path(LABEL_SUBS_UID).asText()
                  .equals(uid), 0, null)
          .thenCompose(page -> objects.update(key, sub -> {
            FeedStatusAggregation.Aggregate aggregate = FeedStatusAggregation.aggregate(sub.path("spec"),
                List.copyOf(bindingClusters(sub)),
                page.objects().stream().map(json -> (JsonNode) ObjectEntity.parseObject(json)).toList());
            ObjectNode status = sub.withObjectProperty("status");
            status.put("completedReleases", aggregate.completedReleases());
            status.set("aggregatedStatuses", aggregate.aggregatedStatuses());
            return sub;
          }))
          .thenApply(done -> Outcome.DONE);
    });
  }

  private CompletionStage<Done> writeStatus(String key, Scheduling.Placement placement) {
    return objects.update(key, sub -> {
      ObjectNode status = sub.withObjectProperty("status");
      ArrayNode bindings = status.putArray("bindingClusters");
      placement.bindings().forEach(cluster -> bindings.add(cluster.key()));
      status.set("replicas", Json.MAPPER.valueToTree(placement.replicas()));
      status.put("specHash", specHash(sub));
      status.put("desiredReleases", placement.bindings().size() * descriptionsPerCluster(sub));
      removeCondition(status, "FeedsReady");
      removeCondition(status, "Scheduled");
      return sub;
    }).thenApply(done -> Done.getInstance());
  }

  /** Adds or removes one binding (Replication: replicas per cluster do not depend on the others). */
  private CompletionStage<Done> changeBindings(String key, Consumer<Set<String>> change) {
    return objects.update(key, sub -> {
      Set<String> bound = new TreeSet<>(bindingClusters(sub));
      change.accept(bound);
      ObjectNode status = sub.withObjectProperty("status");
      ArrayNode bindings = status.putArray("bindingClusters");
      bound.forEach(bindings::add);
      status.put("specHash", specHash(sub));
      status.put("desiredReleases", bound.size() * descriptionsPerCluster(sub));
      if (!bound.isEmpty()) {
        removeCondition(status, "Scheduled"); // a cluster fits now
      }
      return sub;
    }).thenApply(done -> Done.getInstance());
  }

  /** Descriptions a binding cluster gets: one for raw objects, one for charts, when its feeds have them. */
  private static int descriptionsPerCluster(ObjectNode sub) {
    boolean helm = false;
    boolean generic = false;
    for (JsonNode feed : sub.path("spec").path("feeds")) {
      boolean chart = "HelmChart".equals(feed.path("kind").asText());
      helm |= chart;
      generic |= !chart;
    }
    return (helm ? 1 : 0) + (generic ? 1 : 0);
  }

  private CompletionStage<Done> setCondition(String key, String type, String status, String reason, String message) {
    return objects.update(key, sub -> {
      ObjectNode subStatus = sub.withObjectProperty("status");
      ArrayNode conditions = subStatus.withArrayProperty("conditions");
      for (JsonNode c : conditions) {
        if (type.equals(c.path("type").asText()) && status.equals(c.path("status").asText())
            && reason.equals(c.path("reason").asText()) && message.equals(c.path("message").asText())) {
          return sub; // unchanged: keep lastTransitionTime, write nothing
        }
      }
      removeCondition(subStatus, type);
      ObjectNode condition = subStatus.withArrayProperty("conditions").addObject();
      condition.put("type", type);
      condition.put("status", status);
      condition.put("reason", reason);
      condition.put("message", message);
      condition.put("lastTransitionTime", Times.format(clock.instant()));
      return sub;
    }).thenApply(done -> Done.getInstance());
  }

  private static void removeCondition(ObjectNode status, String type) {
    ArrayNode conditions = status.withArrayProperty("conditions");
    for (int i = conditions.size() - 1; i >= 0; i--) {
      if (type.equals(conditions.get(i).path("type").asText())) {
        conditions.remove(i);
      }
    }
    if (conditions.isEmpty()) {
      status.remove("conditions");
    }
  }

  /** A stable hash of the spec (Clusternet's specHash is an FNV hash of it, a uint64 in JSON). */
  private static long specHash(ObjectNode sub) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : Json.write(sub.path("spec"))) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash & Long.MAX_VALUE;
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static CompletionStage<Outcome> done() {
    return CompletableFuture.completedFuture(Outcome.DONE);
  }

  private static CompletionStage<Void> allOf(List<? extends CompletionStage<?>> stages) {
    return CompletableFuture.allOf(stages.stream().map(CompletionStage::toCompletableFuture)
        .toArray(CompletableFuture[]::new));
  }

  private static List<Selector> subscriberSelectors(JsonNode spec) {
    List<Selector> selectors = new ArrayList<>();
    spec.path("subscribers").forEach(s -> selectors.add(Selector.fromLabelSelector(s.path("clusterAffinity"))));
    return selectors;
  }

  /**
   * The cluster as scheduling sees it. A NoSchedule taint (Unknown health) keeps new
   * Subscriptions away but does not evict what a cluster already runs, as in kube: a bound
   * cluster is scheduled without its NoSchedule taints, so an edge cluster that drops off keeps
   * its desired state and converges when it comes back.
   */
  private static ClusterCandidate candidate(ManagedCluster cluster, boolean bound) {
    List<Taint> taints = cluster.spec().taints() == null ? List.of() : cluster.spec().taints().stream()
        .filter(t -> !(bound && "NoSchedule".equals(t.effect())))
        .toList();
    Map<String, String> labels = cluster.metadata().labels() == null ? Map.of() : cluster.metadata().labels();
    Map<String, String> allocatable = cluster.status() == null || cluster.status().allocatable() == null
        ? Map.of() : cluster.status().allocatable();
    return new ClusterCandidate(cluster.metadata().namespace(), cluster.metadata().name(), cluster.spec().clusterId(),
        labels, taints, allocatable);
  }

  private static String namespaceName(ManagedCluster cluster) {
    return cluster.metadata().namespace() + "/" + cluster.metadata().name();
  }

  /** This binding's replicas per feed key (feeds without a count are left as their template says). */
  private static Map<String, Integer> replicasOf(Scheduling.Placement placement, int binding) {
    Map<String, Integer> replicas = new HashMap<>();
    placement.replicas().forEach((feedKey, perCluster) -> {
      if (perCluster.size() > binding) {
        replicas.put(feedKey, perCluster.get(binding));
      }
    });
    return replicas;
  }

  private static Set<String> bindingClusters(ObjectNode sub) {
    Set<String> bound = new LinkedHashSet<>();
    sub.path("status").path("bindingClusters").forEach(c -> bound.add(c.asText()));
    return bound;
  }

  private static Map<String, String> subscriptionLabels(ObjectNode sub) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_SUBS_NAME, name(sub));
    labels.put(LABEL_SUBS_NAMESPACE, namespace(sub));
    labels.put(LABEL_SUBS_UID, sub.path("metadata").path("uid").asText());
    return labels;
  }

  private static ObjectNode object(String kind, String namespace, String name, Map<String, String> labels) {
    ObjectNode object = Json.MAPPER.createObjectNode();
    object.put("apiVersion", API_VERSION);
    object.put("kind", kind);
    ObjectNode metadata = object.putObject("metadata");
    metadata.put("name", name);
    metadata.put("namespace", namespace);
    metadata.set("labels", Json.MAPPER.valueToTree(labels));
    return object;
  }

  static String baseKey(String namespace, String name) {
    return ObjectEntity.key(GROUP, "bases", namespace, name);
  }

  static String descriptionKey(String namespace, String name) {
    return ObjectEntity.key(GROUP, "descriptions", namespace, name);
  }

  private static String name(ObjectNode object) {
    return object.path("metadata").path("name").asText();
  }

  private static String namespace(ObjectNode object) {
    return object.path("metadata").path("namespace").asText();
  }
}
