package io.flotilla.hub.apps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BinaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** FeedInventory content: one FeedOrder per Subscription feed, as Clusternet's feedinventory controller builds it. */
public final class FeedInventories {

  public static final String REPLICA_JSON_PATH = "/spec/replicas";

  /** The group versions Clusternet's in-tree parsers accept per kind; other feeds are replicated whole. */
  private static final Map<String, Set<String>> DIVIDABLE_WORKLOADS = Map.of(
      "Deployment", Set.of("apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"),
      "ReplicaSet", Set.of("apps/v1", "extensions/v1beta1"),
      "StatefulSet", Set.of("apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"));

  private FeedInventories() {}

  /**
   * The FeedInventory spec.feeds[] entry for one feed: the feed reference inline, then for Deployments, ReplicaSets
   * and StatefulSets desiredReplicas (spec.replicas, 1 when absent as kube defaults it), replicaRequirements of one
   * pod and replicaJsonPath "/spec/replicas". {@code feedObject} is the stored template, null when it does not exist.
   * Throws IllegalArgumentException when a container's resource quantity is malformed.
   */
  public static ObjectNode order(JsonNode feedRef, JsonNode feedObject) {
    ObjectNode order = JsonNodeFactory.instance.objectNode();
    order.put("kind", feedRef.path("kind").asText());
    order.put("apiVersion", feedRef.path("apiVersion").asText());
    String namespace = feedRef.path("namespace").asText("");
    if (!namespace.isEmpty()) {
      order.put("namespace", namespace);
    }
    order.put("name", feedRef.path("name").asText());
    if (isDividableWorkload(feedObject)) {
      JsonNode replicas = feedObject.path("spec").path("replicas");
      order.put("desiredReplicas", replicas.isIntegralNumber() ? replicas.asInt() : 1);
      order.set("replicaRequirements", replicaRequirements(feedObject.path("spec").path("template").path("spec")));
      order.put("replicaJsonPath", REPLICA_JSON_PATH);
    } else {
      // Clusternet's Go struct is never omitted, so every order carries (empty) requirements.
      order.putObject("replicaRequirements").putObject("resources");
    }
    return order;
  }

  /** Clusternet's feed key: "apiVersion/kind/namespace/name", or "apiVersion/kind/name" without namespace. */
  public static String feedKey(JsonNode feedRef) {
    String namespace = feedRef.path("namespace").asText("");
    return feedRef.path("apiVersion").asText() + "/" + feedRef.path("kind").asText() + "/"
        + (namespace.isEmpty() ? "" : namespace + "/") + feedRef.path("name").asText();
  }

  /** The template's own apiVersion/kind decide, as Clusternet reads the GVK from the stored manifest. */
  private static boolean isDividableWorkload(JsonNode feedObject) {
    if (feedObject == null || !feedObject.isObject()) {
      return false;
    }
    Set<String> versions = DIVIDABLE_WORKLOADS.get(feedObject.path("kind").asText());
    return versions != null && versions.contains(feedObject.path("apiVersion").asText());
  }

  /**
   * One replica's needs: node constraints copied from the pod spec, limits and requests summed over the containers
   * (a missing request defaults to the limit, as kube does), each raised to any larger init container's value.
   */
  private static ObjectNode replicaRequirements(JsonNode podSpec) {
    ObjectNode requirements = JsonNodeFactory.instance.objectNode();
    copyIfNotEmpty(podSpec, "nodeSelector", requirements);
    copyIfNotEmpty(podSpec, "tolerations", requirements);
    copyIfNotEmpty(podSpec, "affinity", requirements);
    Map<String, Quantity> limits = new TreeMap<>();
    Map<String, Quantity> requests = new TreeMap<>();
    podSpec.path("containers").forEach(c -> addContainer(c, limits, requests, Quantity::plus));
    podSpec.path("initContainers").forEach(c -> addContainer(c, limits, requests, Quantity::max));
    ObjectNode resources = requirements.putObject("resources");
    putQuantities(resources, "limits", limits);
    putQuantities(resources, "requests", requests);
    return requirements;
  }

  private static void addContainer(JsonNode container, Map<String, Quantity> limits, Map<String, Quantity> requests,
      BinaryOperator<Quantity> combine) {
    Map<String, Quantity> containerLimits = quantities(container.path("resources").path("limits"));
    Map<String, Quantity> containerRequests = quantities(container.path("resources").path("requests"));
    containerLimits.forEach(containerRequests::putIfAbsent);
    containerLimits.forEach((name, q) -> limits.merge(name, q, combine));
    containerRequests.forEach((name, q) -> requests.merge(name, q, combine));
  }

  private static Map<String, Quantity> quantities(JsonNode resourceList) {
    Map<String, Quantity> quantities = new TreeMap<>();
    resourceList.fields().forEachRemaining(e -> quantities.put(e.getKey(), Quantity.parse(e.getValue().asText())));
    return quantities;
  }

  private static void putQuantities(ObjectNode resources, String field, Map<String, Quantity> quantities) {
    if (!quantities.isEmpty()) {
      ObjectNode list = resources.putObject(field);
      quantities.forEach((name, q) -> list.put(name, q.toString()));
    }
  }

  private static void copyIfNotEmpty(JsonNode from, String field, ObjectNode to) {
    JsonNode value = from.path(field);
    if (value.isContainerNode() && !value.isEmpty()) {
      to.set(field, value.deepCopy());
    }
  }

  /**
   * A Kubernetes resource quantity: its exact value and the notation it was written in. Sums keep the first
   * operand's notation and print canonically, as kube's resource.Quantity does ("100m"+"400m" is "500m",
   * "1Gi"+"512Mi" is "1536Mi").
   */
  record Quantity(BigDecimal value, Notation notation) {

    enum Notation { DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT }

    private static final Pattern SYNTAX = Pattern.compile("([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(.*)");
    private static final Pattern EXPONENT = Pattern.compile("[eE]([+-]?[0-9]+)");
    /** Index i stands for 1024^i. */
    private static final List<String> BINARY_SUFFIXES = List.of("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei");
    /** Index i stands for 10^(3i - 9). */
    private static final List<String> DECIMAL_SUFFIXES = List.of("n", "u", "m", "", "k", "M", "G", "T", "P", "E");
    private static final BigInteger KI = BigInteger.valueOf(1024);

    static Quantity parse(String text) {
      Matcher m = SYNTAX.matcher(text == null ? "" : text);
      if (!m.matches()) {
        throw new IllegalArgumentException("invalid quantity \"" + text + "\"");
      }
      BigDecimal number = new BigDecimal(m.group(1));
      String suffix = m.group(2);
      int binary = BINARY_SUFFIXES.indexOf(suffix);
      if (binary > 0) {
        return new Quantity(number.multiply(new BigDecimal(KI.pow(binary))), Notation.BINARY_SI);
      }
      int decimal = DECIMAL_SUFFIXES.indexOf(suffix);
      if (decimal >= 0) {
        return new Quantity(number.scaleByPowerOfTen(3 * decimal - 9), Notation.DECIMAL_SI);
      }
      Matcher exponent = EXPONENT.matcher(suffix);
      if (exponent.matches()) {
        return new Quantity(number.scaleByPowerOfTen(Integer.parseInt(exponent.group(1))), Notation.DECIMAL_EXPONENT);
      }
      throw new IllegalArgumentException("invalid quantity \"" + text + "\": unknown suffix \"" + suffix + "\"");
    }

    Quantity plus(Quantity other) {
      return new Quantity(value.add(other.value), notation);
    }

    Quantity max(Quantity other) {
      return other.value.compareTo(value) > 0 ? other : this;
    }

    /** kube's canonical form: binary only for whole values of at least 1Ki, else decimal rounded up to nano units. */
    @Override
    public String toString() {
      boolean whole = value.signum() == 0 || value.stripTrailingZeros().scale() <= 0;
      if (notation == Notation.BINARY_SI && whole && value.abs().compareTo(new BigDecimal(KI)) >= 0) {
        BigInteger mantissa = value.toBigIntegerExact();
        int power = 0;
        while (power < BINARY_SUFFIXES.size() - 1 && mantissa.mod(KI).signum() == 0) {
          mantissa = mantissa.divide(KI);
          power++;
        }
        return mantissa + BINARY_SUFFIXES.get(power);
      }
      BigDecimal rounded = value.setScale(9, RoundingMode.UP);
      if (rounded.signum() == 0) {
        return "0";
      }
      rounded = rounded.stripTrailingZeros();
      BigInteger mantissa = rounded.unscaledValue();
      int exponent = -rounded.scale();
      while (Math.floorMod(exponent, 3) != 0 || exponent > 18) {
        mantissa = mantissa.multiply(BigInteger.TEN);
        exponent--;
      }
      if (notation == Notation.DECIMAL_EXPONENT) {
        return mantissa + (exponent == 0 ? "" : "e" + exponent);
      }
      return mantissa + DECIMAL_SUFFIXES.get((exponent + 9) / 3);
    }
  }
}
