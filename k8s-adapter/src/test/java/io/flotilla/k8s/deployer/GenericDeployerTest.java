package io.flotilla.k8s.deployer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.k8s.agent.ChildClients;
import io.flotilla.k8s.agent.Poll;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Generic deployer against the sandbox child API server, read back through client-java's dynamic client. */
class GenericDeployerTest {

  private static final String OWNER = "clusternet-abcde.app-demo-generic";
  private static final String NAMESPACE = """
      {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}""";
  private static final String DEPLOYMENT = """
      {"apiVersion": "apps/v1", "kind": "Deployment",
       "metadata": {"name": "web", "namespace": "demo", "labels": {"app": "web", "tier": "frontend"}},
       "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}, "creationTimestamp": null},
                             "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                                      "ports": [{"containerPort": 80}]}]}}}}""";
  private static final String SERVICE = """
      {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "demo"},
       "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 80}]}}""";
  private static final String CONFIG_MAP = """
      {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-config", "namespace": "demo"},
       "data": {"greeting": "hello"}}""";
  private static final String WIDGET_DEFINITION = """
      {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
       "metadata": {"name": "widgets.example.com"},
       "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                "versions": [{"name": "v1", "served": true, "storage": true,
                              "schema": {"openAPIV3Schema": {"type": "object",
                                                             "x-kubernetes-preserve-unknown-fields": true}}}]}}""";
  private static final String WIDGET = """
      {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1", "namespace": "demo"},
       "spec": {"size": 3}}""";

  @TempDir
  Path dir;

  private SandboxApiServer sandbox;
  private ApiClient client;
  private GenericDeployer deployer;

  @BeforeEach
  void start() throws Exception {
    sandbox = SandboxApiServer.start(0);
    client = ChildClients.fromKubeconfig(sandbox.writeKubeconfig(dir.resolve("kubeconfig")));
    deployer = new GenericDeployer(client);
  }

  @AfterEach
  void stop() {
    sandbox.close();
  }

  @Test
  void appliesEveryObjectNamespaceFirstWithTheOwnerMarker() {
    // the Namespace comes last in the Description: it must still be created before what lives in it
    ObjectNode status = deployer.apply(description(DEPLOYMENT, SERVICE, CONFIG_MAP, NAMESPACE));

    assertEquals("Success", status.path("phase").asText(), status.toString());
    assertFalse(status.has("reason"));
    List<String> feeds = StreamSupport.stream(status.path("manifestStatuses").spliterator(), false)
        .map(m -> m.path("apiVersion").asText() + " " + m.path("kind").asText() + " "
            + m.path("namespace").asText() + "/" + m.path("name").asText())
        .toList();
    assertEquals(List.of("apps/v1 Deployment demo/web", "v1 Service demo/web", "v1 ConfigMap demo/web-config",
        "v1 Namespace /demo"), feeds);
    assertTrue(status.path("manifestStatuses").get(1).path("observedStatus").has("loadBalancer"),
        "a Service's status is reported");
    assertFalse(status.path("manifestStatuses").get(2).has("observedStatus"), "a ConfigMap has none");
    assertFalse(status.path("manifestStatuses").get(3).has("namespace"), "cluster-scoped feeds name no namespace");
    for (ObjectNode object : List.of(deployment(), service(), configMap(), namespace())) {
      assertEquals(OWNER, annotation(object, GenericObjectApplier.OWNED_BY), object.toString());
      JsonNode lastApplied = read(annotation(object, GenericObjectApplier.LAST_APPLIED));
      assertEquals(object.path("metadata").path("name"), lastApplied.path("metadata").path("name"));
      assertFalse(lastApplied.path("metadata").path("annotations").has(GenericObjectApplier.LAST_APPLIED));
    }
    assertEquals(3, deployment().path("spec").path("replicas").asInt());
  }

  @Test
  void applyingAnUnchangedDescriptionAgainWritesNothing() throws Exception {
    List<String> writes = new CopyOnWriteArrayList<>();
    ApiClient counted = ChildClients.fromKubeconfig(dir.resolve("kubeconfig"));
    counted.setHttpClient(counted.getHttpClient().newBuilder().addInterceptor(chain -> {
      if (!chain.request().method().equals("GET")) {
        writes.add(chain.request().method() + " " + chain.request().url().encodedPath());
      }
      return chain.proceed(chain.request());
    }).build());
    GenericDeployer deployer = new GenericDeployer(counted);
    // server defaults (a Service's clusterIP, a Namespace's finalizers) and the explicit null kubectl leaves in
    // a pod template must not read as drift
    ObjectNode description = description(NAMESPACE, DEPLOYMENT, SERVICE, CONFIG_MAP);
    deployer.apply(description);
    String revision = revision();
    writes.clear();

    ObjectNode status = deployer.apply(description);

    assertEquals("Success", status.path("phase").asText(), status.toString());
    assertEquals(List.of(), writes);
    assertEquals(revision, revision(), "no resourceVersion changed");
  }

  @Test
  void anUpdateIsAThreeWayMerge() {
    deployer.apply(description(NAMESPACE, DEPLOYMENT, SERVICE, CONFIG_MAP));
    // the child's own user labels the Deployment
    patch(deployments(), "demo", "web", """
        {"metadata": {"labels": {"owner": "alice"}}}""");

    ObjectNode status = deployer.apply(description(NAMESPACE,
        DEPLOYMENT.replace("\"replicas\": 3", "\"replicas\": 5").replace(", \"tier\": \"frontend\"", ""),
        SERVICE, CONFIG_MAP));

    assertEquals("Success", status.path("phase").asText(), status.toString());
    ObjectNode deployment = deployment();
    assertEquals(5, deployment.path("spec").path("replicas").asInt());
    assertEquals(read("""
        {"app": "web", "owner": "alice"}"""), deployment.path("metadata").path("labels"),
        "the dropped label is removed, the child's own label stays");
  }

  @Test
  void anObjectDroppedFromTheDescriptionIsPruned() {
    deployer.apply(description(NAMESPACE, DEPLOYMENT, SERVICE, CONFIG_MAP));

    ObjectNode status = deployer.apply(description(NAMESPACE, DEPLOYMENT, SERVICE));

    assertEquals("Success", status.path("phase").asText(), status.toString());
    assertTrue(live(configMaps(), "demo", "web-config").isEmpty());
    assertEquals(3, status.path("manifestStatuses").size());
    assertTrue(live(deployments(), "demo", "web").isPresent());
  }

  @Test
  void afterARestartTheReportedStatusTellsWhatToPrune() {
    ObjectNode first = description(NAMESPACE, DEPLOYMENT, SERVICE, CONFIG_MAP);
    ObjectNode reported = deployer.apply(first);
    GenericDeployer restarted = new GenericDeployer(client);

    ObjectNode second = description(NAMESPACE, DEPLOYMENT, SERVICE);
    second.set("status", reported);
    ObjectNode status = restarted.apply(second);

    assertEquals("Success", status.path("phase").asText(), status.toString());
    assertTrue(live(configMaps(), "demo", "web-config").isEmpty());
  }

  @Test
  void anObjectAnotherDescriptionTookOverIsNotPruned() {
    deployer.apply(description(NAMESPACE, DEPLOYMENT, SERVICE, CONFIG_MAP));
    patch(configMaps(), "demo", "web-config", """
        {"metadata": {"annotations": {"apps.clusternet.io/owned-by-description": "clusternet-abcde.other"}}}""");

    deployer.apply(description(NAMESPACE, DEPLOYMENT, SERVICE));

    assertTrue(live(configMaps(), "demo", "web-config").isPresent());
  }

  @Test
  void removeDeletesEverythingTheDescriptionOwns() throws Exception {
    ObjectNode description = description(NAMESPACE, DEPLOYMENT, SERVICE, CONFIG_MAP);
    deployer.apply(description);

    deployer.remove(description);

    assertTrue(live(deployments(), "demo", "web").isEmpty());
    assertTrue(live(services(), "demo", "web").isEmpty());
    assertTrue(live(configMaps(), "demo", "web-config").isEmpty());
    // kube (and the sandbox) finish deleting a namespace a moment later
    Poll.until(Duration.ofSeconds(10),
        () -> assertTrue(live(namespaces(), "", "demo").isEmpty(), "namespace demo is gone"));
  }

  @Test
  void aBadObjectFailsAloneAndIsNamedInTheReason() {
    ObjectNode status = deployer.apply(description(NAMESPACE, DEPLOYMENT,
        CONFIG_MAP.replace("web-config", "Bad_Name"), SERVICE));

    assertEquals("Failure", status.path("phase").asText());
    String reason = status.path("reason").asText();
    assertTrue(reason.startsWith("failed to apply ConfigMap demo/Bad_Name: ConfigMap \"Bad_Name\" is invalid: "
        + "metadata.name: Invalid value"), reason);
    assertTrue(live(deployments(), "demo", "web").isPresent());
    assertTrue(live(services(), "demo", "web").isPresent(), "objects after the bad one are applied too");
    assertEquals(4, status.path("manifestStatuses").size());
  }

  @Test
  void anUnknownKindFailsAsKubectlSaysIt() {
    ObjectNode status = deployer.apply(description(NAMESPACE, WIDGET));

    assertEquals("Failure", status.path("phase").asText());
    assertEquals("failed to apply Widget demo/w1: no matches for kind \"Widget\" in version \"example.com/v1\"",
        status.path("reason").asText());
  }

  @Test
  void aCustomResourceDefinitionIsUsableByTheObjectsAfterIt() {
    // the custom resource comes first in the Description: its definition and namespace must still go before it
    ObjectNode description = description(WIDGET, WIDGET_DEFINITION, NAMESPACE);

    ObjectNode status = deployer.apply(description);

    assertEquals("Success", status.path("phase").asText(), status.toString());
    ObjectNode widget = live(widgets(), "demo", "w1").orElseThrow();
    assertEquals(3, widget.path("spec").path("size").asInt());
    assertEquals(OWNER, annotation(widget, GenericObjectApplier.OWNED_BY));

    deployer.remove(description);
    assertTrue(live(definitions(), "", "widgets.example.com").isEmpty());
  }

  // --- Descriptions

  private static ObjectNode description(String... objects) {
    ObjectNode description = read("""
        {"apiVersion": "apps.clusternet.io/v1alpha1", "kind": "Description",
         "metadata": {"name": "app-demo-generic", "namespace": "clusternet-abcde",
                      "uid": "6f1bd0c2-4a57-4a3e-9a53-3c1e59e1c0de", "generation": 1,
                      "labels": {"apps.clusternet.io/subs.name": "app-demo"}},
         "spec": {"deployer": "Generic", "raw": []},
         "status": {"phase": "Pending"}}""");
    for (String object : objects) {
      ((ArrayNode) description.path("spec").path("raw"))
          .add(Base64.getEncoder().encodeToString(read(object).toString().getBytes(StandardCharsets.UTF_8)));
    }
    return description;
  }

  // --- the child, read back

  private ObjectNode deployment() {
    return live(deployments(), "demo", "web").orElseThrow();
  }

  private ObjectNode service() {
    return live(services(), "demo", "web").orElseThrow();
  }

  private ObjectNode configMap() {
    return live(configMaps(), "demo", "web-config").orElseThrow();
  }

  private ObjectNode namespace() {
    return live(namespaces(), "", "demo").orElseThrow();
  }

  private DynamicKubernetesApi deployments() {
    return new DynamicKubernetesApi("apps", "v1", "deployments", client);
  }

  private DynamicKubernetesApi services() {
    return new DynamicKubernetesApi("", "v1", "services", client);
  }

  private DynamicKubernetesApi configMaps() {
    return new DynamicKubernetesApi("", "v1", "configmaps", client);
  }

  private DynamicKubernetesApi namespaces() {
    return new DynamicKubernetesApi("", "v1", "namespaces", client);
  }

  private DynamicKubernetesApi widgets() {
    return new DynamicKubernetesApi("example.com", "v1", "widgets", client);
  }

  private DynamicKubernetesApi definitions() {
    return new DynamicKubernetesApi("apiextensions.k8s.io", "v1", "customresourcedefinitions", client);
  }

  private static Optional<ObjectNode> live(DynamicKubernetesApi api, String namespace, String name) {
    KubernetesApiResponse<DynamicKubernetesObject> response = namespace.isEmpty()
        ? api.get(name) : api.get(namespace, name);
    if (response.getHttpStatusCode() == 404) {
      return Optional.empty();
    }
    assertTrue(response.isSuccess(), () -> response.getHttpStatusCode() + ": " + response.getStatus());
    return Optional.of((ObjectNode) read(response.getObject().getRaw().toString()));
  }

  private static void patch(DynamicKubernetesApi api, String namespace, String name, String mergePatch) {
    KubernetesApiResponse<DynamicKubernetesObject> response =
        api.patch(namespace, name, V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, new V1Patch(mergePatch));
    assertTrue(response.isSuccess(), () -> response.getHttpStatusCode() + ": " + response.getStatus());
  }

  /** The sandbox's revision counter, which every write anywhere bumps. */
  private String revision() {
    return namespaces().list().getObject().getMetadata().getResourceVersion();
  }

  private static String annotation(JsonNode object, String key) {
    return object.path("metadata").path("annotations").path(key).asText(null);
  }

  private static ObjectNode read(String json) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(json, e);
    }
  }
}
