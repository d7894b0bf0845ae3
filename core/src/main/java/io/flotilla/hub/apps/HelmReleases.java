package io.flotilla.hub.apps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Clusternet's HelmRelease objects for a `-helm` Description: one per chart, in the cluster's
 * namespace, named `{description}-{chart namespace}-{chart name}`, its spec the chart's Helm
 * options with the rendered values as `overrides`; the agent reports each release's status on it.
 */
final class HelmReleases {
  /** Labels tying a HelmRelease to its Description (Clusternet's config.* labels). */
  static final String LABEL_CONFIG_NAME = "apps.clusternet.io/config.name";
  static final String LABEL_CONFIG_KIND = "apps.clusternet.io/config.kind";

  private HelmReleases() {}

  static String name(String descriptionName, String chartNamespace, String chartName) {
    return descriptionName + "-" + chartNamespace + "-" + chartName;
  }

  /** The HelmReleases a rendered -helm Description asks for (none for a generic one). */
  static List<ObjectNode> of(ObjectNode description) {
    List<ObjectNode> releases = new ArrayList<>();
    JsonNode spec = description.path("spec");
    if (!"Helm".equals(spec.path("deployer").asText())) {
      return releases;
    }
    String descName = description.path("metadata").path("name").asText();
    for (int i = 0; i < spec.path("charts").size(); i++) {
      JsonNode ref = spec.path("charts").get(i);
      JsonNode chart = decode(spec.path("chartRaw").path(i).asText(""));
      ObjectNode release = Json.MAPPER.createObjectNode()
          .put("apiVersion", SubscriptionReconciler.API_VERSION).put("kind", "HelmRelease");
      ObjectNode metadata = release.putObject("metadata")
          .put("name", name(descName, ref.path("namespace").asText(), ref.path("name").asText()))
          .put("namespace", description.path("metadata").path("namespace").asText());
      ObjectNode labels = description.path("metadata").path("labels").deepCopy();
      labels.put(LABEL_CONFIG_KIND, "Description").put(LABEL_CONFIG_NAME, descName);
      metadata.set("labels", labels);
      ObjectNode releaseSpec = chart.path("spec").isObject() ? chart.path("spec").deepCopy() : release.objectNode();
      releaseSpec.put("releaseName", chart.path("metadata").path("name").asText(ref.path("name").asText()));
      releaseSpec.put("overrides", spec.path("raw").path(i).asText(""));
      release.set("spec", releaseSpec);
      releases.add(release);
    }
    return releases;
  }

  private static JsonNode decode(String base64) {
    return base64.isEmpty() ? Json.MAPPER.createObjectNode() : Json.parse(Base64.getDecoder().decode(base64));
  }
}
