package io.flotilla.deploy;

import static io.flotilla.deploy.ManifestsTest.all;
import static io.flotilla.deploy.ManifestsTest.flag;
import static io.flotilla.deploy.ManifestsTest.loadAll;
import static io.flotilla.deploy.ManifestsTest.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flotilla.k8s.agent.AgentOptions;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm charts in deploy/helm, linted and rendered with Helm's own library (helm-java): with
 * their default values they must render the very objects of the plain manifests in
 * deploy/kubernetes (which ManifestsTest checks against the code), whole objects compared, Helm's
 * bookkeeping labels aside; overridden values must land where they belong; missing required values
 * must fail with a message that names them.
 */
class HelmChartsTest {
  static final Path HUB_CHART = Path.of("helm", "flotilla-hub");
  static final Path AGENT_CHART = Path.of("helm", "flotilla-agent");
  /** What the charts add to every object's own labels (never to pod templates or selectors). */
  static final Set<String> HELM_LABELS = Set.of("helm.sh/chart", "app.kubernetes.io/managed-by",
      "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version");

  static List<KubernetesObject> hubYaml;
  static List<KubernetesObject> agentYaml;

  @BeforeAll
  static void load() throws Exception {
    hubYaml = loadAll(ManifestsTest.KUBERNETES.resolve("hub.yaml"));
    agentYaml = loadAll(ManifestsTest.KUBERNETES.resolve("agent.yaml"));
  }

  @Test
  void bothChartsPassHelmLintStrict() {
    for (Path chart : List.of(HUB_CHART, AGENT_CHART)) {
      LintResult lint = new Helm(chart).lint().strict().call();
      assertFalse(lint.isFailed(), chart + ": " + lint.getMessages());
      assertTrue(lint.getMessages().stream().noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]")),
          chart + ": " + lint.getMessages());
    }
  }

  @Test
  void theHubChartWithDefaultValuesRendersHubYaml(@TempDir Path tmp) throws Exception {
    List<KubernetesObject> rendered = render(HUB_CHART, "flotilla-hub", tmp, Map.of());
    assertEquals(List.of(), differences(hubYaml, rendered));
  }

  @Test
  void theAgentChartWithOnlyTheRequiredValuesRendersAgentYaml(@TempDir Path tmp) throws Exception {
    List<KubernetesObject> rendered = render(AGENT_CHART, "flotilla-agent", tmp, requiredAgentValues());
    assertEquals(List.of(), differences(agentYaml, rendered));
  }

  /** The required values, as agent.yaml has them: its parent URL, and its Secret's token and CA. */
  static Map<String, Object> requiredAgentValues() {
    V1Deployment deployment = one(agentYaml, V1Deployment.class, "clusternet-agent");
    V1Secret secret = one(agentYaml, V1Secret.class, "clusternet-agent-bootstrap");
    return Map.of(
        "parentURL", flag(container(deployment), "--cluster-reg-parent-url"),
        "bootstrap", Map.of("token", secret.getStringData().get("token"), "caCert", secret.getStringData().get("ca.crt")));
  }

  /** The comparison itself sees drift: a changed field, an extra pod label, a missing object. */
  @Test
  void theComparisonReportsEveryDrift(@TempDir Path tmp) throws Exception {
    List<KubernetesObject> drifted = render(HUB_CHART, "flotilla-hub", tmp, Map.of(
        "replicas", 4, "podLabels", Map.of("tier", "control-plane"), "namespace", Map.of("create", false)));
    List<String> differences = differences(hubYaml, drifted);
    assertTrue(differences.stream().anyMatch(d -> d.startsWith("StatefulSet flotilla-system/flotilla-hub: spec.replicas")),
        differences.toString());
    assertTrue(differences.stream().anyMatch(d -> d.contains("spec.template.metadata.labels.tier")), differences.toString());
    assertTrue(differences.contains("Namespace flotilla-system missing"), differences.toString());
    assertEquals(3, differences.size(), differences.toString());
  }

  @Test
  void overriddenHubValuesLandInTheirFields(@TempDir Path tmp) throws Exception {
    List<KubernetesObject> hub = render(HUB_CHART, "hub", tmp, Map.of(
        "replicas", 5,
        "image", Map.of("tag", "0.2.0", "pullPolicy", "Always"),
        "cassandra", Map.of("contactPoints", List.of("cassandra.other.svc:9142"), "keyspace", "flotilla_prod",
            "localDatacenter", "eu-west-1"),
        "service", Map.of("type", "ClusterIP", "port", 443),
        "clusterBootstrap", Map.of("requiredContactPointNr", 3),
        "resources", Map.of("requests", Map.of("cpu", "2", "memory", "4Gi"), "limits", Map.of("memory", "4Gi"))));
    ManifestsTest.namespacedObjectsLiveInNamespacesTheFileCreates(hub);
    ManifestsTest.bindingsServiceAccountsAndReferencedObjectsExist(hub);

    V1StatefulSet set = one(hub, V1StatefulSet.class, "flotilla-hub");
    assertEquals(5, set.getSpec().getReplicas());
    V1Container container = set.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("flotilla/hub:0.2.0", container.getImage());
    assertEquals("Always", container.getImagePullPolicy());
    assertEquals("4Gi", container.getResources().getLimits().get("memory").toSuffixedString());
    assertEquals("2", container.getResources().getRequests().get("cpu").toSuffixedString());
    List<String> args = container.getArgs();
    assertEquals("flotilla_prod", args.get(args.indexOf("--keyspace") + 1));
    V1ConfigMap config = one(hub, V1ConfigMap.class, "flotilla-hub-config");
    assertEquals("cassandra.other.svc:9142", config.getData().get("cassandra-contact-points"));
    Config hubConf = hubConf(config);
    assertEquals("eu-west-1", hubConf.getString("datastax-java-driver.basic.load-balancing-policy.local-datacenter"));
    assertEquals(3, hubConf.getInt("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
    V1Service service = one(hub, V1Service.class, "flotilla-hub");
    assertEquals("ClusterIP", service.getSpec().getType());
    assertEquals(443, service.getSpec().getPorts().get(0).getPort());
    assertEquals("https", service.getSpec().getPorts().get(0).getTargetPort().getStrValue());
    // Helm's labels on the objects, with the release's name; never on the pods
    assertEquals("hub", set.getMetadata().getLabels().get("app.kubernetes.io/instance"));
    assertEquals(Map.of("app", "flotilla-hub"), set.getSpec().getTemplate().getMetadata().getLabels());

    // another name and namespace: everything follows, bootstrap still finds its pods
    List<KubernetesObject> renamed = render(HUB_CHART, "hub", tmp, Map.of(
        "fullnameOverride", "fleet-hub", "namespace", Map.of("name", "fleet")));
    ManifestsTest.namespacedObjectsLiveInNamespacesTheFileCreates(renamed);
    ManifestsTest.bindingsServiceAccountsAndReferencedObjectsExist(renamed);
    V1StatefulSet renamedSet = one(renamed, V1StatefulSet.class, "fleet-hub");
    assertEquals("fleet", renamedSet.getMetadata().getNamespace());
    Config renamedConf = hubConf(one(renamed, V1ConfigMap.class, "fleet-hub-config"));
    String selector = String.format(renamedConf.getString("akka.discovery.kubernetes-api.pod-label-selector"),
        renamedConf.getString("akka.management.cluster.bootstrap.contact-point-discovery.service-name"));
    assertEquals("app=fleet-hub", selector);
    assertEquals(Map.of("app", "fleet-hub"), renamedSet.getSpec().getTemplate().getMetadata().getLabels());
    assertEquals(Map.of("app", "fleet-hub"), one(renamed, V1Service.class, "fleet-hub").getSpec().getSelector());
  }

  static Config hubConf(V1ConfigMap config) {
    return ConfigFactory.parseString(config.getData().get("hub.conf").replace("include classpath(\"application\")", ""))
        .resolveWith(ConfigFactory.parseMap(Map.of("POD_IP", "10.0.0.7")));
  }

  @Test
  void overriddenAgentValuesLandInTheirFlags(@TempDir Path tmp) throws Exception {
    Map<String, Object> values = new TreeMap<>(requiredAgentValues());
    values.putAll(Map.of(
        "parentURL", "https://hub.fleet.example.org:443",
        "syncMode", "Push",
        "image", Map.of("tag", "0.2.0"),
        "cluster", Map.of("name", "edge-berlin-1", "namespace", "clusternet-edge-berlin-1", "type", "StandardCluster",
            "labels", Map.of("region", "eu-central", "env", "prod")),
        "statusUpdateFrequency", "1m",
        "labelsAggregateThreshold", "0.5",
        "labelsAggregatePrefixes", List.of("node.clusternet.io/", "topology.kubernetes.io/"),
        "featureGates", "AppPusher=true,SocketConnection=true,Deployer=true,Recovery=false"));
    List<KubernetesObject> agent = render(AGENT_CHART, "agent", tmp, values);
    ManifestsTest.namespacedObjectsLiveInNamespacesTheFileCreates(agent);
    ManifestsTest.bindingsServiceAccountsAndReferencedObjectsExist(agent);

    V1Deployment deployment = one(agent, V1Deployment.class, "clusternet-agent");
    assertEquals("flotilla/agent:0.2.0", container(deployment).getImage());
    assertEquals(1, deployment.getSpec().getReplicas());
    AgentOptions options = ManifestsTest.agentOptions(deployment, tmp);
    assertEquals("https://hub.fleet.example.org:443", options.parentUrl().toString());
    assertEquals("Push", options.syncMode());
    assertEquals("edge-berlin-1", options.clusterName());
    assertEquals("clusternet-edge-berlin-1", options.clusterNamespace());
    assertEquals("StandardCluster", options.clusterType());
    assertEquals(Map.of("region", "eu-central", "env", "prod"), options.clusterLabels());
    assertEquals(java.time.Duration.ofMinutes(1), options.statusUpdateFrequency());
    assertEquals(0.5, options.labelsAggregateThreshold());
    assertEquals(List.of("node.clusternet.io/", "topology.kubernetes.io/"), options.labelsAggregatePrefixes());
    assertTrue(options.featureGates().enabled("Deployer"));
    assertTrue(options.appPusher());
    assertEquals("clusternet-system", options.namespace());

    // an existing Secret instead of the chart's: none rendered, both references point at it
    Map<String, Object> existing = new TreeMap<>(Map.of("parentURL", "https://hub.fleet.example.org:443",
        "bootstrap", Map.of("existingSecret", "hub-bootstrap")));
    List<KubernetesObject> withExisting = render(AGENT_CHART, "agent", tmp, existing);
    assertEquals(List.of(), all(withExisting, V1Secret.class));
    V1Deployment usingExisting = one(withExisting, V1Deployment.class, "clusternet-agent");
    assertEquals("hub-bootstrap", container(usingExisting).getEnv().get(0).getValueFrom().getSecretKeyRef().getName());
    assertEquals("hub-bootstrap", usingExisting.getSpec().getTemplate().getSpec().getVolumes().get(0).getSecret().getSecretName());
  }

  @Test
  void missingOrInvalidRequiredValuesFailRenderingWithAClearMessage(@TempDir Path tmp) {
    Map<String, Object> noParentUrl = new TreeMap<>(requiredAgentValues());
    noParentUrl.remove("parentURL");
    assertRenderingFails(AGENT_CHART, tmp, noParentUrl, "parentURL is required");
    Map<String, Object> noToken = new TreeMap<>(requiredAgentValues());
    noToken.put("bootstrap", Map.of("caCert", "ca"));
    assertRenderingFails(AGENT_CHART, tmp, noToken, "bootstrap.token is required");
    Map<String, Object> plainHttp = new TreeMap<>(requiredAgentValues());
    plainHttp.put("parentURL", "http://hub:6443");
    assertRenderingFails(AGENT_CHART, tmp, plainHttp, "parentURL must be an https:// URL");
    Map<String, Object> badMode = new TreeMap<>(requiredAgentValues());
    badMode.put("syncMode", "push");
    assertRenderingFails(AGENT_CHART, tmp, badMode, "syncMode must be one of Pull, Push, Dual, not \"push\"");
    assertRenderingFails(HUB_CHART, tmp, Map.of("cassandra", Map.of("contactPoints", List.of())),
        "cassandra.contactPoints is required");
    assertRenderingFails(HUB_CHART, tmp, Map.of("cassandra", Map.of("contactPoints", List.of("cassandra-0"))),
        "\"cassandra-0\" is not host:port");
    assertRenderingFails(HUB_CHART, tmp, Map.of("replicas", 1), "replicas (1) is less than clusterBootstrap.requiredContactPointNr (2)");
  }

  static void assertRenderingFails(Path chart, Path tmp, Map<String, Object> values, String message) {
    Exception e = assertThrows(Exception.class, () -> render(chart, "x", tmp, values), "rendered with " + values);
    assertTrue(e.getMessage().contains(message), "expected \"" + message + "\" in: " + e.getMessage());
  }

  // --- rendering ---

  /** helm template of the chart with these values (written as a values file: --set would split on commas). */
  static List<KubernetesObject> render(Path chart, String release, Path tmp, Map<String, Object> values) throws Exception {
    Path valuesFile = Files.createTempFile(tmp, "values", ".yaml");
    Files.writeString(valuesFile, new org.yaml.snakeyaml.Yaml().dump(values));
    TemplateCommand template = new Helm(chart).template().withName(release).withValuesFile(valuesFile);
    return loadAll(template.call(), "helm template " + chart + " with " + values);
  }

  static V1Container container(V1Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  // --- comparison ---

  /**
   * Every difference between the plain manifests and a chart's objects: objects on one side only
   * (by kind, namespace and name), then, per object, every field that differs (whole objects,
   * through the client's own serialization, so 0400 and 256 or "1" and 1 CPU are alike), after
   * removing Helm's labels from the object's own metadata.
   */
  static List<String> differences(List<KubernetesObject> plain, List<KubernetesObject> chart) {
    Map<String, JsonObject> expected = byKey(plain);
    Map<String, JsonObject> actual = byKey(chart);
    List<String> differences = new ArrayList<>();
    for (String key : new TreeSet<>(expected.keySet())) {
      if (!actual.containsKey(key)) {
        differences.add(key + " missing");
      }
    }
    for (String key : new TreeSet<>(actual.keySet())) {
      if (!expected.containsKey(key)) {
        differences.add(key + " not in the plain manifests");
      }
    }
    for (String key : new TreeSet<>(expected.keySet())) {
      if (actual.containsKey(key)) {
        compare(key + ": ", "", expected.get(key), actual.get(key), differences);
      }
    }
    return differences;
  }

  static Map<String, JsonObject> byKey(List<KubernetesObject> objects) {
    Map<String, JsonObject> byKey = objects.stream().collect(Collectors.toMap(
        o -> o.getKind() + " " + (o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace() + "/")
            + o.getMetadata().getName(),
        HelmChartsTest::withoutHelmLabels, (a, b) -> {
          throw new AssertionError("two objects with one kind, namespace and name: " + a);
        }));
    assertEquals(objects.size(), byKey.size());
    return byKey;
  }

  static JsonObject withoutHelmLabels(KubernetesObject object) {
    JsonObject json = JSON.getGson().toJsonTree(object).getAsJsonObject();
    JsonObject metadata = json.getAsJsonObject("metadata");
    if (metadata.has("labels")) {
      JsonObject labels = metadata.getAsJsonObject("labels");
      HELM_LABELS.forEach(labels::remove);
      if (labels.size() == 0) {
        metadata.remove("labels");
      }
    }
    return json;
  }

  static void compare(String prefix, String path, JsonElement expected, JsonElement actual, List<String> differences) {
    if (expected != null && actual != null && expected.isJsonObject() && actual.isJsonObject()) {
      Set<String> keys = new TreeSet<>(expected.getAsJsonObject().keySet());
      keys.addAll(actual.getAsJsonObject().keySet());
      for (String key : keys) {
        compare(prefix, path.isEmpty() ? key : path + "." + key, expected.getAsJsonObject().get(key),
            actual.getAsJsonObject().get(key), differences);
      }
    } else if (expected != null && actual != null && expected.isJsonArray() && actual.isJsonArray()
        && expected.getAsJsonArray().size() == actual.getAsJsonArray().size()) {
      for (int i = 0; i < expected.getAsJsonArray().size(); i++) {
        compare(prefix, path + "[" + i + "]", expected.getAsJsonArray().get(i), actual.getAsJsonArray().get(i), differences);
      }
    } else if (expected == null ? actual != null : !expected.equals(actual)) {
      differences.add(prefix + path + ": " + expected + " in the plain manifests, " + actual + " in the chart");
    }
  }
}
