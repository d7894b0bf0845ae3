package io.flotilla.k8s.deployer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Clusternet's Generic deployer on the agent side: applies the objects of a Generic Description
 * (apps.clusternet.io/v1alpha1, {@code spec.deployer: Generic}, {@code spec.raw}) to the child cluster, and
 * removes them when the Description goes.
 *
 * <p>Any kind the child serves can be applied: kinds are resolved through the child's discovery (cached,
 * refreshed when a kind is unknown). Namespaces and CustomResourceDefinitions go first, then, once every such
 * definition is Established and discoverable, the rest in Description order. Each object carries Clusternet's
 * annotations {@code apps.clusternet.io/owned-by-description: <ns>.<name>} and
 * {@code clusternet.io/last-applied-configuration}; an existing object is three-way merged, so fields the
 * child's users added survive and fields the Description dropped go (see {@link ThreeWayMergePatch}).
 * Transient errors are retried with Clusternet's backoff; a permanent one fails that object only, and the
 * Description's phase is Failure with a reason naming each failed object and the server's message.
 *
 * <p>Pruning: the objects a Description applied before and no longer has are deleted when they still carry its
 * owned-by annotation. "Before" is what this process last applied for the Description, together with the feeds
 * of the Description's reported {@code status.manifestStatuses} (every object of the last apply, so pruning
 * works after an agent restart too). Clusternet's hub compares the old and new Description specs instead; the
 * reported status carries the same list without the caller having to keep the old spec.
 *
 * <p>Calls for the same Description must not overlap; different Descriptions may be handled concurrently.
 */
public final class GenericDeployer {

  private static final Duration ESTABLISH_TIMEOUT = Duration.ofSeconds(30);

  private final GenericObjectApplier applier;
  private final EstablishedDefinitions definitions;
  private final AppliedObjects applied = new AppliedObjects();

  /** {@code child}: the child cluster's client (see {@code ChildClients}). */
  public GenericDeployer(ApiClient child) {
    DiscoveredResources resources = new DiscoveredResources(child);
    ChildObjects objects = new ChildObjects(child);
    this.applier = new GenericObjectApplier(resources, objects);
    this.definitions = new EstablishedDefinitions(resources, objects, ESTABLISH_TIMEOUT);
  }

  /**
   * Applies every object of the Description and prunes those it dropped. Returns the status to report:
   * {@code phase} Success or Failure, {@code reason} (on failure) and {@code manifestStatuses}, one per object
   * in Description order ({apiVersion, kind, namespace, name} and, when the child reports one, observedStatus).
   */
  public ObjectNode apply(ObjectNode description) {
    String owner = owner(description);
    GenericManifests manifests = GenericManifests.of(description);
    List<AppliedObject> outcomes = applyInOrder(manifests.objects(), owner);
    List<String> errors = new ArrayList<>(manifests.unreadable());
    outcomes.stream().filter(o -> !o.succeeded()).forEach(o -> errors.add(o.error()));
    List<Feed> current = outcomes.stream().map(AppliedObject::feed).toList();
    List<Feed> stale = distinct(Stream.concat(applied.of(owner).stream(), reportedFeeds(description).stream()))
        .stream()
        .filter(f -> current.stream().noneMatch(c -> c.identity().equals(f.identity())))
        .toList();
    List<Feed> notPruned = deleteOwned(stale, owner, errors);
    // what could not be pruned stays on record, so that the next apply tries again
    applied.record(owner, Stream.concat(current.stream(), notPruned.stream()).toList());
    return status(outcomes, errors);
  }

  /**
   * Namespaces, then CustomResourceDefinitions (waiting until they serve their kinds), then the rest in
   * Description order; the outcomes in Description order.
   */
  private List<AppliedObject> applyInOrder(List<ObjectNode> objects, String owner) {
    AppliedObject[] results = new AppliedObject[objects.size()];
    List<Integer> foundations = IntStream.range(0, objects.size()).boxed()
        .filter(i -> foundationRank(Feed.of(objects.get(i))) < 2)
        .sorted(Comparator.comparingInt(i -> foundationRank(Feed.of(objects.get(i)))))
        .toList();
    foundations.forEach(i -> results[i] = applier.apply(objects.get(i), owner));
    for (int i : foundations) {
      Feed feed = results[i].feed();
      if (results[i].succeeded() && feed.isCustomResourceDefinition()) {
        definitions.await(feed).ifPresent(why -> results[i] = AppliedObject.failed(feed, why));
      }
    }
    for (int i = 0; i < objects.size(); i++) {
      if (results[i] == null) {
        results[i] = applier.apply(objects.get(i), owner);
      }
    }
    return List.of(results);
  }

  /**
   * Deletes every object the Description owns: its objects, and any it applied before (as in {@link #apply}),
   * namespaced and other objects first in reverse order, then CustomResourceDefinitions, Namespaces last.
   * Throws, after trying them all, when some could not be deleted.
   */
  public void remove(ObjectNode description) {
    String owner = owner(description);
    List<String> errors = new ArrayList<>();
    List<Feed> owned = distinct(Stream.of(
        GenericManifests.of(description).objects().stream().map(Feed::of),
        applied.of(owner).stream(),
        reportedFeeds(description).stream()).flatMap(s -> s));
    deleteOwned(owned, owner, errors);
    if (!errors.isEmpty()) {
      throw new IllegalStateException("cannot remove the objects of Description " + owner + ": " + reason(errors));
    }
    applied.forget(owner);
  }

  /** Deletes in removal order; answers the feeds that could not be deleted (their errors go to {@code errors}). */
  private List<Feed> deleteOwned(List<Feed> feeds, String owner, List<String> errors) {
    List<Feed> reversed = new ArrayList<>(feeds);
    Collections.reverse(reversed);
    List<Feed> failed = new ArrayList<>();
    reversed.stream()
        .sorted(Comparator.comparingInt(f -> -foundationRank(f)))
        .forEach(f -> applier.deleteOwned(f, owner).ifPresent(error -> {
          errors.add(error);
          failed.add(f);
        }));
    return failed;
  }

  /** 0 for Namespaces, 1 for CustomResourceDefinitions, 2 for the rest: what others depend on goes first. */
  private static int foundationRank(Feed feed) {
    return feed.isNamespace() ? 0 : feed.isCustomResourceDefinition() ? 1 : 2;
  }

  /** One feed per object, the first seen kept. */
  private static List<Feed> distinct(Stream<Feed> feeds) {
    Map<Feed.Identity, Feed> byIdentity = new LinkedHashMap<>();
    feeds.forEach(f -> byIdentity.putIfAbsent(f.identity(), f));
    return List.copyOf(byIdentity.values());
  }

  /** The feeds of the manifestStatuses this deployer reported for the Description last time. */
  private static List<Feed> reportedFeeds(ObjectNode description) {
    List<Feed> feeds = new ArrayList<>();
    for (JsonNode status : description.path("status").path("manifestStatuses")) {
      Feed feed = new Feed(status.path("apiVersion").asText(""), status.path("kind").asText(""),
          status.path("namespace").asText(""), status.path("name").asText(""));
      if (!feed.apiVersion().isEmpty() && !feed.kind().isEmpty() && !feed.name().isEmpty()) {
        feeds.add(feed);
      }
    }
    return feeds;
  }

  private static ObjectNode status(List<AppliedObject> outcomes, List<String> errors) {
    ObjectNode status = JsonNodeFactory.instance.objectNode();
    status.put("phase", errors.isEmpty() ? "Success" : "Failure");
    if (!errors.isEmpty()) {
      status.put("reason", reason(errors));
    }
    ArrayNode manifestStatuses = status.putArray("manifestStatuses");
    outcomes.forEach(o -> manifestStatuses.add(o.manifestStatus()));
    return status;
  }

  /** As Clusternet's aggregated errors read: the one message, or {@code [first, second]}. */
  private static String reason(List<String> errors) {
    return errors.size() == 1 ? errors.get(0) : "[" + String.join(", ", errors) + "]";
  }

  /** {@code <namespace>.<name>}: the owned-by annotation's value and the key of what was applied. */
  private static String owner(ObjectNode description) {
    JsonNode metadata = description.path("metadata");
    String deployer = description.path("spec").path("deployer").asText("");
    if (!deployer.equals("Generic")) {
      throw new IllegalArgumentException("Description " + metadata.path("namespace").asText() + "/"
          + metadata.path("name").asText() + " is for the " + deployer + " deployer, not Generic");
    }
    return metadata.path("namespace").asText("") + "." + metadata.path("name").asText("");
  }
}
