package io.flotilla.hub.apps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.objects.Selector;
import io.flotilla.hub.apps.Overrides.ChartResult;
import io.flotilla.hub.apps.Overrides.Override;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders one Base (one cluster's copy of a Subscription's feeds) into its Descriptions as
 * Clusternet's deployer does (pkg/controllermanager/deployer/deployer.go populateDescriptions, and
 * the localizer's ApplyOverridesToDescription): plain objects go to {@code <base>-generic}, HelmCharts
 * to {@code <base>-helm}, each after the matching Globalizations' and Localizations' overrides.
 */
public final class Rendering {
  public static final String APPS_API_VERSION = "apps.clusternet.io/v1alpha1";
  public static final String GENERIC_SUFFIX = "-generic";
  public static final String HELM_SUFFIX = "-helm";

  private static final String SUBSCRIPTION_LABEL_PREFIX = "apps.clusternet.io/subs.";
  private static final List<String> CLUSTER_LABELS =
      List.of("clusters.clusternet.io/cluster-id", "clusters.clusternet.io/cluster-name");
  private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
  private static final List<String> HUB_ONLY_METADATA = List.of("managedFields", "uid", "resourceVersion",
      "generation", "creationTimestamp", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds",
      "ownerReferences");
  /** The CRDs' default for spec.priority. */
  private static final int DEFAULT_PRIORITY = 500;

  /** Lower priority first, so higher priorities override; then older first, then by name. */
  private static final Comparator<JsonNode> APPLY_ORDER = Comparator
      .comparingInt(Rendering::priority)
      .thenComparing(Rendering::creationTime)
      .thenComparing(policy -> policy.path("metadata").path("name").asText());

  private Rendering() {
  }

  /**
   * One rendered Description; failure is null, or why some of its feeds could not be rendered (the
   * Description is still named as usual and carries the feeds that did render; the caller stores it
   * with status phase Failure and this reason).
   */
  public record Rendered(ObjectNode description, String failure) {
  }

  /** One feed after its overrides: the object (or HelmChart), the Helm values, or why it failed. */
  private record Feed(JsonNode reference, ObjectNode object, JsonNode values, String failure) {
  }

  /**
   * Renders base for the cluster labelled clusterLabels. feeds holds the templates by feed key (see
   * {@link FeedInventories#feedKey}); feeds absent from it are skipped. Globalizations apply when their
   * spec.feed is the feed and their clusterAffinity matches, Localizations when their spec.feed is the
   * feed; Globalizations first, each group by priority then age. replicas (with replicaJsonPaths) per
   * feed key are set last, as Clusternet's priority-1000 dividing-scheduling Localization does. Answers
   * the -helm Description and then the -generic one, each only when the base has feeds of its kind.
   */
  public static List<Rendered> render(ObjectNode base, Map<String, String> clusterLabels, Map<String, ObjectNode> feeds,
      List<ObjectNode> globalizations, List<ObjectNode> localizations, Map<String, Integer> replicas,
      Map<String, String> replicaJsonPaths) {
    List<Feed> charts = new ArrayList<>();
    List<Feed> objects = new ArrayList<>();
    for (JsonNode reference : base.path("spec").path("feeds")) {
      String key = FeedInventories.feedKey(reference);
      ObjectNode template = feeds.get(key);
      if (template == null) {
        continue;
      }
      boolean chart = isHelmChart(reference);
      try {
        List<Override> overrides = overridesFor(key, clusterLabels, globalizations, localizations,
            replicas.get(key), replicaJsonPaths.get(key));
        if (chart) {
          ChartResult result = Overrides.applyToChart(stripped(template), overrides);
          charts.add(new Feed(reference, stripped(result.chart()), result.values(), null));
        } else {
          // stripped again: Clusternet's own strips run after the overrides, so none can put those fields back
          ObjectNode object = Overrides.applyToObject(stripped(template), overrides);
          objects.add(new Feed(reference, stripped(object), null, null));
        }
      } catch (Overrides.OverrideException | IllegalArgumentException e) {
        (chart ? charts : objects).add(new Feed(reference, null, null,
            "failed to apply overrides to " + key + ": " + e.getMessage()));
      }
    }
    List<Rendered> rendered = new ArrayList<>();
    if (!charts.isEmpty()) {
      rendered.add(helmDescription(base, charts));
    }
    if (!objects.isEmpty()) {
      rendered.add(genericDescription(base, objects));
    }
    return rendered;
  }

  private static boolean isHelmChart(JsonNode feed) {
    return feed.path("apiVersion").asText().equals(APPS_API_VERSION) && feed.path("kind").asText().equals("HelmChart");
  }

  private static List<Override> overridesFor(String feedKey, Map<String, String> clusterLabels,
      List<ObjectNode> globalizations, List<ObjectNode> localizations, Integer replicas, String replicaJsonPath) {
    List<Override> overrides = new ArrayList<>();
    globalizations.stream()
        .filter(glob -> appliesTo(glob, feedKey) && selectsCluster(glob, clusterLabels))
        .sorted(APPLY_ORDER)
        .forEach(glob -> overrides.addAll(Override.of(glob)));
    localizations.stream()
        .filter(loc -> appliesTo(loc, feedKey))
        .sorted(APPLY_ORDER)
        .forEach(loc -> overrides.addAll(Override.of(loc)));
    // without a replica path Clusternet reports the FeedInventory and deploys the template's replicas
    if (replicas != null && replicaJsonPath != null && !replicaJsonPath.isEmpty()) {
      overrides.add(replicasOverride(replicas, replicaJsonPath));
    }
    return overrides;
  }

  /** A Localization or Globalization for this feed that is not being deleted. */
  private static boolean appliesTo(JsonNode policy, String feedKey) {
    return !policy.path("metadata").hasNonNull("deletionTimestamp")
        && FeedInventories.feedKey(policy.path("spec").path("feed")).equals(feedKey);
  }

  /** An absent or empty clusterAffinity selects every cluster. */
  private static boolean selectsCluster(JsonNode globalization, Map<String, String> clusterLabels) {
    try {
      return Selector.fromLabelSelector(globalization.path("spec").path("clusterAffinity")).matches(clusterLabels::get);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Globalization " + globalization.path("metadata").path("name").asText()
          + " has an invalid clusterAffinity: " + e.getMessage(), e);
    }
  }

  /** The JSON patch of Clusternet's dividing-scheduling Localization. */
  private static Override replicasOverride(int replicas, String replicaJsonPath) {
    ArrayNode patch = Json.MAPPER.createArrayNode();
    patch.addObject().put("path", replicaJsonPath).put("value", replicas).put("op", "replace");
    return new Override("dividing scheduling", "dividing scheduling replicas", Overrides.JSON_PATCH,
        patch.toString(), false, "", "");
  }

  private static int priority(JsonNode policy) {
    JsonNode priority = policy.path("spec").path("priority");
    return priority.isNumber() ? priority.intValue() : DEFAULT_PRIORITY;
  }

  /** Not yet stored (no timestamp) counts as newest. */
  private static Instant creationTime(JsonNode policy) {
    String timestamp = policy.path("metadata").path("creationTimestamp").asText();
    return timestamp.isEmpty() ? Instant.MAX : Instant.parse(timestamp);
  }

  /**
   * A copy without what only means something on the hub or what the member cluster assigns:
   * status, the kubectl last-applied annotation and metadata managedFields, uid, resourceVersion,
   * generation, creationTimestamp, selfLink, deletionTimestamp, deletionGracePeriodSeconds and
   * ownerReferences. Clusternet removes these at different stages (its template trimmer, the
   * localizer's default overrides, the agent's WipeObjectMetaSystemFields).
   */
  static ObjectNode stripped(ObjectNode object) {
    ObjectNode result = object.deepCopy();
    result.remove("status");
    if (result.get("metadata") instanceof ObjectNode metadata) {
      metadata.remove(HUB_ONLY_METADATA);
      if (metadata.get("annotations") instanceof ObjectNode annotations) {
        annotations.remove(LAST_APPLIED);
        if (annotations.isEmpty()) {
          metadata.remove("annotations");
        }
      }
    }
    return result;
  }

  /** spec.raw: each object's JSON; feeds that failed are left out (their reasons are the failure). */
  private static Rendered genericDescription(ObjectNode base, List<Feed> objects) {
    ObjectNode description = description(base, GENERIC_SUFFIX, "Generic");
    ArrayNode raw = description.withObjectProperty("spec").putArray("raw");
    objects.stream().filter(feed -> feed.failure() == null).forEach(feed -> raw.add(base64(feed.object())));
    return new Rendered(description, failure(objects));
  }

  /**
   * Per chart, in feed order: spec.charts {namespace, name}, spec.raw its Helm values (empty when no
   * override gave any; Clusternet writes a blank there), spec.chartRaw the overridden HelmChart.
   */
  private static Rendered helmDescription(ObjectNode base, List<Feed> charts) {
    ObjectNode description = description(base, HELM_SUFFIX, "Helm");
    ObjectNode spec = description.withObjectProperty("spec");
    ArrayNode references = spec.putArray("charts");
    ArrayNode raw = spec.putArray("raw");
    ArrayNode chartRaw = spec.putArray("chartRaw");
    for (Feed chart : charts) {
      if (chart.failure() == null) {
        references.addObject()
            .put("namespace", chart.reference().path("namespace").asText())
            .put("name", chart.reference().path("name").asText());
        raw.add(chart.values() == null ? "" : base64(chart.values()));
        chartRaw.add(base64(chart.object()));
      }
    }
    return new Rendered(description, failure(charts));
  }

  /** Metadata as Clusternet's deployer sets it: the Base's subscription and cluster labels, who made it, from what. */
  private static ObjectNode description(ObjectNode base, String suffix, String deployer) {
    JsonNode baseMetadata = base.path("metadata");
    String baseName = baseMetadata.path("name").asText();
    String namespace = baseMetadata.path("namespace").asText();
    ObjectNode description = Json.MAPPER.createObjectNode()
        .put("apiVersion", APPS_API_VERSION)
        .put("kind", "Description");
    ObjectNode metadata = description.putObject("metadata")
        .put("name", baseName + suffix)
        .put("namespace", namespace);
    ObjectNode labels = metadata.putObject("labels")
        .put("clusternet.io/created-by", "clusternet-controller-manager")
        .put("apps.clusternet.io/config.kind", "Base")
        .put("apps.clusternet.io/config.namespace", namespace)
        .put("apps.clusternet.io/config.uid", baseMetadata.path("uid").asText());
    baseMetadata.path("labels").fields().forEachRemaining(label -> {
      if (label.getKey().startsWith(SUBSCRIPTION_LABEL_PREFIX) || CLUSTER_LABELS.contains(label.getKey())) {
        labels.set(label.getKey(), label.getValue());
      }
    });
    metadata.putArray("ownerReferences").addObject()
        .put("apiVersion", APPS_API_VERSION)
        .put("kind", "Base")
        .put("name", baseName)
        .put("uid", baseMetadata.path("uid").asText())
        .put("controller", true)
        .put("blockOwnerDeletion", true);
    description.putObject("spec").put("deployer", deployer);
    return description;
  }

  private static String failure(List<Feed> feeds) {
    String reasons = feeds.stream().map(Feed::failure).filter(reason -> reason != null)
        .collect(Collectors.joining("; "));
    return reasons.isEmpty() ? null : reasons;
  }

  /** Go encodes []byte in JSON as standard base64. */
  private static String base64(JsonNode node) {
    return Base64.getEncoder().encodeToString(Json.write(node));
  }
}
