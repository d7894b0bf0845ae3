package io.flotilla.hub.apps;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.api.Taint;
import io.flotilla.api.objects.Selector;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Clusternet's scheduler as a pure function: which clusters a Subscription binds to and, when dividing, how many
 * replicas of each feed every binding cluster runs. Same input, same output.
 */
public final class Scheduling {

  /**
   * The outcome: binding clusters sorted by key(); replicas per feed key, one int per binding cluster in the same
   * order (Clusternet's status.replicas); reason non-null when nothing can be scheduled, then bindings are empty.
   */
  public record Placement(List<ClusterCandidate> bindings, Map<String, List<Integer>> replicas,
      String unschedulableReason) {

    static Placement unschedulable(String reason) {
      return new Placement(List.of(), Map.of(), reason);
    }
  }

  /** {@code affinity} null: no clusterAffinity at all, which selects no cluster (kube's nil LabelSelector). */
  private record Subscriber(Selector affinity, int weight) {
    boolean matches(ClusterCandidate cluster) {
      return affinity != null && affinity.matches(cluster.labels()::get);
    }
  }

  private record Toleration(String key, String operator, String value, String effect) {
    /** kube's Toleration.ToleratesTaint. */
    boolean tolerates(Taint taint) {
      if (!effect.isEmpty() && !effect.equals(taint.effect())) {
        return false;
      }
      if (!key.isEmpty() && !key.equals(taint.key())) {
        return false;
      }
      return switch (operator) {
        case "", "Equal" -> value.equals(taint.value() == null ? "" : taint.value());
        case "Exists" -> true;
        default -> false;
      };
    }
  }

  /** Ends a scheduling attempt with the reason the Subscription stays unscheduled. */
  private static final class Unschedulable extends RuntimeException {
    Unschedulable(String reason) {
      super(reason, null, false, false);
    }
  }

  private static final BigDecimal INT32_MAX = BigDecimal.valueOf(Integer.MAX_VALUE);

  private Scheduling() {}

  /**
   * {@code subscriptionSpec}: the Subscription's spec with defaults filled. {@code candidates}: a superset of the
   * matching clusters, in any order. {@code feedOrders}: FeedInventory spec.feeds entries from
   * {@link FeedInventories#order}.
   */
  public static Placement schedule(JsonNode subscriptionSpec, List<ClusterCandidate> candidates,
      List<JsonNode> feedOrders) {
    try {
      List<Subscriber> subscribers = subscribers(subscriptionSpec.path("subscribers"));
      List<ClusterCandidate> fitting = fittingClusters(subscriptionSpec, subscribers, candidates);
      if (!"Dividing".equals(subscriptionSpec.path("schedulingStrategy").asText())) {
        // Clusternet leaves status.replicas empty when replicating: every cluster runs the feeds as written.
        return new Placement(fitting, Map.of(), null);
      }
      JsonNode dividing = subscriptionSpec.path("dividingScheduling");
      // Per feed key, in feed order: one count per fitting cluster, or null for a feed without replicas.
      Map<String, int[]> division = "Dynamic".equals(dividing.path("type").asText())
          ? dynamicDivision(dividing.path("dynamicDividing"), fitting, feedOrders)
          : staticDivision(subscribers, fitting, feedOrders);
      return dividedPlacement(fitting, division);
    } catch (Unschedulable e) {
      return Placement.unschedulable(e.getMessage());
    }
  }

  private static List<Subscriber> subscribers(JsonNode subscribers) {
    List<Subscriber> result = new ArrayList<>();
    for (JsonNode subscriber : subscribers) {
      JsonNode affinity = subscriber.path("clusterAffinity");
      try {
        Selector selector = affinity.isObject() ? Selector.fromLabelSelector(affinity) : null;
        result.add(new Subscriber(selector, subscriber.path("weight").asInt(0)));
      } catch (IllegalArgumentException e) {
        throw new Unschedulable("invalid clusterAffinity in subscriber " + result.size() + ": " + e.getMessage());
      }
    }
    return result;
  }

  /**
   * The distinct candidates, sorted by key, that match some subscriber and tolerate the Subscription's
   * clusterTolerations; none fitting is unschedulable, with Clusternet's "0/N clusters are available" histogram.
   */
  private static List<ClusterCandidate> fittingClusters(JsonNode spec, List<Subscriber> subscribers,
      List<ClusterCandidate> candidates) {
    Map<String, ClusterCandidate> distinct = new TreeMap<>();
    candidates.forEach(c -> distinct.putIfAbsent(c.key(), c));
    List<Toleration> tolerations = tolerations(spec.path("clusterTolerations"));
    List<ClusterCandidate> fitting = new ArrayList<>();
    Map<String, Integer> rejections = new TreeMap<>();
    for (ClusterCandidate cluster : distinct.values()) {
      if (subscribers.stream().noneMatch(s -> s.matches(cluster))) {
        rejections.merge("cluster(s) didn't match any subscriber's clusterAffinity", 1, Integer::sum);
        continue;
      }
      Optional<Taint> untolerated = untoleratedTaint(cluster, tolerations);
      if (untolerated.isPresent()) {
        Taint taint = untolerated.get();
        rejections.merge("cluster(s) had taint {" + taint.key() + ": " + (taint.value() == null ? "" : taint.value())
            + "}, that the subscription didn't tolerate", 1, Integer::sum);
      } else {
        fitting.add(cluster);
      }
    }
    if (fitting.isEmpty()) {
      List<String> histogram = new ArrayList<>();
      rejections.forEach((reason, count) -> histogram.add(count + " " + reason));
      Collections.sort(histogram);
      throw new Unschedulable("0/" + distinct.size() + " clusters are available"
          + (histogram.isEmpty() ? "." : ": " + String.join(", ", histogram) + "."));
    }
    return fitting;
  }

  private static List<Toleration> tolerations(JsonNode tolerations) {
    List<Toleration> result = new ArrayList<>();
    for (JsonNode t : tolerations) {
      result.add(new Toleration(t.path("key").asText(""), t.path("operator").asText(""),
          t.path("value").asText(""), t.path("effect").asText("")));
    }
    return result;
  }

  /** Only NoSchedule and NoExecute taints keep a Subscription away; PreferNoSchedule merely scores in Clusternet. */
  private static Optional<Taint> untoleratedTaint(ClusterCandidate cluster, List<Toleration> tolerations) {
    return cluster.taints().stream()
        .filter(t -> "NoSchedule".equals(t.effect()) || "NoExecute".equals(t.effect()))
        .filter(t -> tolerations.stream().noneMatch(toleration -> toleration.tolerates(t)))
        .findFirst();
  }

  /**
   * Static dividing: a cluster weighs the sum of the positive weights of the subscribers it matches; each feed's
   * replicas are split by weight, floor first, the remainder one by one to the heaviest clusters (ties by key).
   */
  private static Map<String, int[]> staticDivision(List<Subscriber> subscribers, List<ClusterCandidate> fitting,
      List<JsonNode> feedOrders) {
    long[] weights = fitting.stream()
        .mapToLong(c -> subscribers.stream()
            .filter(s -> s.weight() > 0 && s.matches(c))
            .mapToLong(Subscriber::weight)
            .sum())
        .toArray();
    boolean weighted = IntStream.range(0, weights.length).anyMatch(i -> weights[i] > 0);
    Comparator<Integer> heaviestFirst = Comparator.<Integer>comparingLong(i -> -weights[i]).thenComparing(i -> i);
    Map<String, int[]> replicas = new LinkedHashMap<>();
    for (JsonNode order : feedOrders) {
      String feedKey = FeedInventories.feedKey(order);
      Integer desired = desiredReplicas(order);
      if (desired != null && desired > 0 && !weighted) {
        throw new Unschedulable(feedKey + ": no fitting cluster matches a subscriber with a positive weight");
      }
      replicas.put(feedKey, desired == null ? null
          : weighted ? apportion(desired, weights, heaviestFirst) : new int[fitting.size()]);
    }
    return replicas;
  }

  /**
   * Dynamic dividing: per feed, each cluster's capacity is how many replicas fit its allocatable resources; Spread
   * splits in proportion to capacity, Binpack fills the roomiest clusters first. minClusters and maxClusters bound the
   * clusters each feed may use; preferredClusters is not used, as in Clusternet.
   */
  private static Map<String, int[]> dynamicDivision(JsonNode dynamic, List<ClusterCandidate> fitting,
      List<JsonNode> feedOrders) {
    boolean binpack = "Binpack".equals(dynamic.path("strategy").asText());
    int minClusters = dynamic.path("minClusters").asInt(0);
    JsonNode max = dynamic.path("maxClusters");
    int maxClusters = max.isIntegralNumber() ? max.asInt() : Integer.MAX_VALUE;
    Map<String, int[]> replicas = new LinkedHashMap<>();
    for (JsonNode order : feedOrders) {
      String feedKey = FeedInventories.feedKey(order);
      Integer desired = desiredReplicas(order);
      if (desired == null) {
        replicas.put(feedKey, null);
        continue;
      }
      if (desired == 0) {
        replicas.put(feedKey, new int[fitting.size()]);
        continue;
      }
      Map<String, BigDecimal> requests = replicaRequests(feedKey, order);
      long[] capacities = fitting.stream().mapToLong(c -> capacity(c, requests, desired)).toArray();
      List<Integer> chosen = chosenClusters(feedKey, capacities, minClusters, maxClusters);
      long total = chosen.stream().mapToLong(i -> capacities[i]).sum();
      if (total < desired) {
        throw new Unschedulable(feedKey + ": " + desired + " desired replicas exceed the capacity of the "
            + chosen.size() + " usable cluster(s) (" + total + ")");
      }
      replicas.put(feedKey, binpack
          ? binpack(desired, capacities, chosen, minClusters)
          : spread(desired, capacities, chosen));
    }
    return replicas;
  }

  /** Null for a feed replicated whole; a negative count, which kube rejects, divides nothing. */
  private static Integer desiredReplicas(JsonNode order) {
    JsonNode desired = order.path("desiredReplicas");
    return desired.isIntegralNumber() ? Math.max(0, desired.asInt()) : null;
  }

  private static Map<String, BigDecimal> replicaRequests(String feedKey, JsonNode order) {
    Map<String, BigDecimal> requests = new TreeMap<>();
    order.path("replicaRequirements").path("resources").path("requests").fields().forEachRemaining(e -> {
      try {
        requests.put(e.getKey(), FeedInventories.Quantity.parse(e.getValue().asText()).value());
      } catch (IllegalArgumentException bad) {
        throw new Unschedulable(feedKey + ": replica request " + e.getKey() + ": " + bad.getMessage());
      }
    });
    return requests;
  }

  /**
   * How many replicas fit the cluster's allocatable: the least, over the requested resources, of
   * floor(allocatable / request); an absent or unreadable allocatable quantity offers none. A replica requesting
   * nothing fits anywhere without limit, which counts as room for all desired replicas.
   */
  private static long capacity(ClusterCandidate cluster, Map<String, BigDecimal> requests, int desired) {
    long capacity = Long.MAX_VALUE;
    for (Map.Entry<String, BigDecimal> request : requests.entrySet()) {
      if (request.getValue().signum() > 0) {
        BigDecimal fits = allocatable(cluster, request.getKey()).divide(request.getValue(), 0, RoundingMode.FLOOR);
        // Replica counts are int32 in kube; the bound also keeps the proportional arithmetic within long.
        capacity = Math.min(capacity, fits.max(BigDecimal.ZERO).min(INT32_MAX).longValue());
      }
    }
    return capacity == Long.MAX_VALUE ? desired : capacity;
  }

  private static BigDecimal allocatable(ClusterCandidate cluster, String resource) {
    String quantity = cluster.allocatable().get(resource);
    if (quantity == null) {
      return BigDecimal.ZERO;
    }
    try {
      return FeedInventories.Quantity.parse(quantity).value();
    } catch (IllegalArgumentException unreadable) {
      return BigDecimal.ZERO;
    }
  }

  /** Clusters able to host a replica, roomiest first (ties by key), at most maxClusters, at least minClusters. */
  private static List<Integer> chosenClusters(String feedKey, long[] capacities, int minClusters, int maxClusters) {
    List<Integer> usable = IntStream.range(0, capacities.length).filter(i -> capacities[i] > 0).boxed()
        .sorted(Comparator.<Integer>comparingLong(i -> -capacities[i]).thenComparing(i -> i))
        .toList();
    if (usable.size() < minClusters) {
      throw new Unschedulable(feedKey + ": only " + usable.size() + " cluster(s) can host a replica, minClusters is "
          + minClusters);
    }
    return usable.subList(0, Math.min(usable.size(), maxClusters));
  }

  /**
   * In proportion to capacity, remainder by largest fractional part (then roomiest, then key). A cluster's share
   * never exceeds its capacity: floor(d·c/Σc) ≤ c as d ≤ Σc, and only clusters with a fractional part get one more.
   */
  private static int[] spread(int desired, long[] capacities, List<Integer> chosen) {
    long[] weights = new long[capacities.length];
    chosen.forEach(i -> weights[i] = capacities[i]);
    long total = chosen.stream().mapToLong(i -> capacities[i]).sum();
    Comparator<Integer> largestFraction = Comparator.<Integer>comparingLong(i -> -(desired * weights[i] % total))
        .thenComparingLong(i -> -weights[i])
        .thenComparing(i -> i);
    return apportion(desired, weights, largestFraction);
  }

  /**
   * Roomiest clusters first, each filled to capacity before the next; one replica is first set on each of the
   * first minClusters clusters so the feed spans at least that many when it has replicas enough.
   */
  private static int[] binpack(int desired, long[] capacities, List<Integer> chosen, int minClusters) {
    int[] shares = new int[capacities.length];
    int remaining = desired;
    for (int k = 0; k < Math.min(minClusters, chosen.size()) && remaining > 0; k++) {
      shares[chosen.get(k)]++;
      remaining--;
    }
    for (int i : chosen) {
      int added = (int) Math.min(remaining, capacities[i] - shares[i]);
      shares[i] += added;
      remaining -= added;
    }
    return shares;
  }

  /** floor(desired·w/Σw) each, then the remainder one by one in {@code remainderOrder}. Requires Σw > 0. */
  private static int[] apportion(int desired, long[] weights, Comparator<Integer> remainderOrder) {
    long total = 0;
    for (long w : weights) {
      total += w;
    }
    int[] shares = new int[weights.length];
    int remaining = desired;
    for (int i = 0; i < weights.length; i++) {
      shares[i] = (int) (desired * weights[i] / total);
      remaining -= shares[i];
    }
    List<Integer> order = IntStream.range(0, weights.length).boxed().sorted(remainderOrder).toList();
    for (int k = 0; k < remaining; k++) {
      shares[order.get(k)]++;
    }
    return shares;
  }

  /**
   * Dividing binds the clusters that run at least one replica of some feed; when no feed has replicas to divide,
   * every fitting cluster binds, as Clusternet binds all feasible clusters.
   */
  private static Placement dividedPlacement(List<ClusterCandidate> fitting, Map<String, int[]> division) {
    boolean anyReplicas = division.values().stream()
        .anyMatch(r -> r != null && IntStream.of(r).anyMatch(n -> n > 0));
    List<Integer> bound = IntStream.range(0, fitting.size())
        .filter(i -> !anyReplicas || division.values().stream().anyMatch(r -> r != null && r[i] > 0))
        .boxed().toList();
    Map<String, List<Integer>> replicas = new LinkedHashMap<>();
    division.forEach((feedKey, r) ->
        replicas.put(feedKey, r == null ? List.of() : bound.stream().map(i -> r[i]).toList()));
    return new Placement(bound.stream().map(fitting::get).toList(), Collections.unmodifiableMap(replicas), null);
  }
}
