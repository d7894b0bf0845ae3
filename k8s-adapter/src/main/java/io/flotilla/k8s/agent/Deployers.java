package io.flotilla.k8s.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.k8s.deployer.GenericDeployer;
import io.flotilla.k8s.deployer.HelmDeployer;
import io.kubernetes.client.openapi.ApiClient;
import java.nio.file.Path;
import java.util.Map;

/** The agent's deployers by `spec.deployer`: Generic through client-java, Helm through helm-java. */
public final class Deployers {
  private Deployers() {}

  /** kubeconfig: the child's, which helm-java reads; workDir: where charts are cached. */
  public static Map<String, DescriptionSync.Deployer> forChild(ApiClient child, Path kubeconfig, Path workDir) {
    GenericDeployer generic = new GenericDeployer(child);
    HelmDeployer helm = new HelmDeployer(kubeconfig, workDir);
    return Map.of(
        "Generic", new DescriptionSync.Deployer(generic::apply, generic::remove),
        "Helm", new DescriptionSync.Deployer(description -> withReleases(description, helm.apply(description)),
            helm::remove));
  }

  /**
   * The Description's status with each chart's release (phase, revision, notes) as its
   * manifest status: the feed is the HelmChart, the observed status the release's.
   */
  private static ObjectNode withReleases(ObjectNode description, HelmDeployer.Result result) {
    ObjectNode status = result.descriptionStatus();
    ArrayNode manifests = status.putArray("manifestStatuses");
    for (int i = 0; i < result.releaseStatuses().size(); i++) {
      ObjectNode chart = (ObjectNode) description.path("spec").path("charts").path(i);
      ObjectNode manifest = manifests.addObject();
      manifest.put("apiVersion", "apps.clusternet.io/v1alpha1").put("kind", "HelmChart")
          .put("namespace", chart.path("namespace").asText()).put("name", chart.path("name").asText());
      manifest.set("observedStatus", result.releaseStatuses().get(i));
    }
    return status;
  }
}
