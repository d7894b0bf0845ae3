package io.flotilla.k8s.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.VersionApi;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1NodeList;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.openapi.models.VersionInfo;
import io.kubernetes.client.util.Config;
import io.kubernetes.client.util.PatchUtils;
import io.kubernetes.client.util.Watch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The official Java client (the agent's) against the sandbox, through a kubeconfig the server wrote. */
class ClientJavaTest {

  @TempDir
  Path dir;

  private SandboxApiServer server;
  private ApiClient client;
  private CoreV1Api core;

  @BeforeEach
  void start() throws Exception {
    server = SandboxApiServer.startSeeded(0, 3);
    client = Config.fromConfig(server.writeKubeconfig(dir.resolve("kubeconfig")).toString());
    core = new CoreV1Api(client);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void seededNodesAreReadyWithCapacity() throws Exception {
    List<V1Node> nodes = core.listNode().execute().getItems();
    assertEquals(List.of("sandbox-node-0", "sandbox-node-1", "sandbox-node-2"),
        nodes.stream().map(n -> n.getMetadata().getName()).toList());
    for (V1Node node : nodes) {
      assertEquals("True", condition(node, "Ready").getStatus());
      assertNotNull(condition(node, "Ready").getLastHeartbeatTime());
      assertEquals(new Quantity("4"), node.getStatus().getCapacity().get("cpu"));
      assertEquals(new Quantity("16Gi"), node.getStatus().getCapacity().get("memory"));
      assertTrue(node.getStatus().getAllocatable().get("cpu").getNumber()
          .compareTo(node.getStatus().getCapacity().get("cpu").getNumber()) < 0);
      assertEquals("v1.30.2", node.getStatus().getNodeInfo().getKubeletVersion());
      assertEquals("sandbox-a", node.getMetadata().getLabels().get("node.clusternet.io/zone"));
    }
    List<V1Pod> system = core.listNamespacedPod("kube-system").execute().getItems();
    assertFalse(system.isEmpty());
    system.forEach(p -> assertEquals("Running", p.getStatus().getPhase()));
  }

  @Test
  void secretAndConfigMapLifecycle() throws Exception {
    V1Secret secret = core.createNamespacedSecret("default", new V1Secret()
        .metadata(new V1ObjectMeta().name("creds"))
        .putDataItem("password", "s3cret".getBytes(StandardCharsets.UTF_8))
        .putStringDataItem("user", "admin")).execute();
    assertNotNull(secret.getMetadata().getUid());
    assertEquals("Opaque", secret.getType());
    V1Secret read = core.readNamespacedSecret("creds", "default").execute();
    assertArrayEquals("admin".getBytes(StandardCharsets.UTF_8), read.getData().get("user"), "stringData lands in data");
    assertFalse(server.store().get(ResourceType.byKind("Secret").orElseThrow(), "default", "creds").has("stringData"));
    read.putDataItem("password", "changed".getBytes(StandardCharsets.UTF_8));
    V1Secret replaced = core.replaceNamespacedSecret("creds", "default", read).execute();
    assertArrayEquals("changed".getBytes(StandardCharsets.UTF_8), replaced.getData().get("password"));
    assertTrue(Long.parseLong(replaced.getMetadata().getResourceVersion())
        > Long.parseLong(read.getMetadata().getResourceVersion()));
    V1Status deleted = core.deleteNamespacedSecret("creds", "default").execute();
    assertEquals("Success", deleted.getStatus());
    assertEquals(404, assertThrows(ApiException.class,
        () -> core.readNamespacedSecret("creds", "default").execute()).getCode());

    V1ConfigMap map = core.createNamespacedConfigMap("default", configMap("settings", "a")).execute();
    assertEquals(409, assertThrows(ApiException.class,
        () -> core.createNamespacedConfigMap("default", configMap("settings", "b")).execute()).getCode());
    assertEquals(404, assertThrows(ApiException.class,
        () -> core.createNamespacedConfigMap("nowhere", configMap("settings", "b")).execute()).getCode());
    map.putDataItem("key", "b");
    assertEquals("b", core.replaceNamespacedConfigMap("settings", "default", map).execute().getData().get("key"));
    core.deleteNamespacedConfigMap("settings", "default").execute();
    assertTrue(core.listNamespacedConfigMap("default").execute().getItems().isEmpty());
  }

  @Test
  void leaseInCoordinationGroup() throws Exception {
    CoordinationV1Api coordination = new CoordinationV1Api(client);
    V1Lease created = coordination.createNamespacedLease("kube-system", new V1Lease()
        .metadata(new V1ObjectMeta().name("flotilla-agent"))
        .spec(new V1LeaseSpec().holderIdentity("agent-1").leaseDurationSeconds(15).renewTime(OffsetDateTime.now())))
        .execute();
    V1Lease read = coordination.readNamespacedLease("flotilla-agent", "kube-system").execute();
    assertEquals(created.getMetadata().getUid(), read.getMetadata().getUid());
    assertEquals("agent-1", read.getSpec().getHolderIdentity());
    assertEquals("coordination.k8s.io/v1", read.getApiVersion());
  }

  @Test
  void staleReplaceIsConflict() throws Exception {
    core.createNamespacedConfigMap("default", configMap("cm", "1")).execute();
    V1ConfigMap first = core.readNamespacedConfigMap("cm", "default").execute();
    V1ConfigMap second = core.readNamespacedConfigMap("cm", "default").execute();
    core.replaceNamespacedConfigMap("cm", "default", first.putDataItem("key", "2")).execute();
    ApiException conflict = assertThrows(ApiException.class,
        () -> core.replaceNamespacedConfigMap("cm", "default", second.putDataItem("key", "3")).execute());
    assertEquals(409, conflict.getCode());
    assertTrue(conflict.getResponseBody().contains("\"reason\":\"Conflict\""), conflict.getResponseBody());
  }

  @Test
  void nodeStatusReplaceIsVisibleInTheNextList() throws Exception {
    V1Node node = core.readNode("sandbox-node-1").execute();
    condition(node, "Ready").status("False").reason("KubeletNotReady");
    core.replaceNodeStatus("sandbox-node-1", node).execute();
    Map<String, String> ready = new TreeMap<>();
    core.listNode().execute().getItems()
        .forEach(n -> ready.put(n.getMetadata().getName(), condition(n, "Ready").getStatus()));
    assertEquals(Map.of("sandbox-node-0", "True", "sandbox-node-1", "False", "sandbox-node-2", "True"), ready);
  }

  @Test
  void labelSelectorsAndPaging() throws Exception {
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name("paging"))).execute();
    for (int i = 0; i < 25; i++) {
      core.createNamespacedPod("paging", pod("pod-" + i, i % 2 == 0 ? "even" : "odd")).execute();
    }
    assertEquals(13, core.listNamespacedPod("paging").labelSelector("parity=even").execute().getItems().size());
    assertEquals(12, core.listNamespacedPod("paging").labelSelector("parity in (odd),!missing").execute()
        .getItems().size());
    assertEquals(1, core.listPodForAllNamespaces().fieldSelector("metadata.name=pod-7").execute().getItems().size());

    Set<String> seen = new HashSet<>();
    List<Integer> pageSizes = new ArrayList<>();
    String next = null;
    do {
      V1PodList page = core.listNamespacedPod("paging").limit(10)._continue(next).execute();
      page.getItems().forEach(p -> assertTrue(seen.add(p.getMetadata().getName()), "seen twice"));
      pageSizes.add(page.getItems().size());
      next = page.getMetadata().getContinue();
    } while (next != null && !next.isEmpty());
    assertEquals(List.of(10, 10, 5), pageSizes);
    assertEquals(25, seen.size());
  }

  @Test
  void watchSeesChangesMadeWhileWatching() throws Exception {
    try (Watch<V1Pod> watch = Watch.createWatch(client,
        core.listNamespacedPod("default").watch(true).timeoutSeconds(30).buildCall(null),
        new TypeToken<Watch.Response<V1Pod>>() { }.getType())) {
      core.createNamespacedPod("default", pod("watched", "even")).execute();
      V1Pod pod = core.readNamespacedPod("watched", "default").execute();
      core.replaceNamespacedPod("watched", "default", pod.metadata(pod.getMetadata().putLabelsItem("step", "2")))
          .execute();
      V1Pod deleted = core.deleteNamespacedPod("watched", "default").execute();
      assertEquals("watched", deleted.getMetadata().getName(), "pods answer DELETE with the pod");

      List<String> events = new ArrayList<>();
      for (Watch.Response<V1Pod> event : watch) {
        events.add(event.type + " " + event.object.getMetadata().getName());
        if (event.type.equals("DELETED")) {
          break;
        }
      }
      assertEquals(List.of("ADDED watched", "MODIFIED watched", "DELETED watched"), events);
    }
  }

  @Test
  void informerSyncsAndFollowsPatches() throws Exception {
    client.setReadTimeout(0);
    SharedInformerFactory factory = new SharedInformerFactory(client);
    SharedIndexInformer<V1Node> nodes = factory.sharedIndexInformerFor(params -> core.listNode()
            .resourceVersion(params.resourceVersion).timeoutSeconds(params.timeoutSeconds).watch(params.watch)
            .allowWatchBookmarks(true).buildCall(null),
        V1Node.class, V1NodeList.class);
    factory.startAllRegisteredInformers();
    try {
      Poll.until(Duration.ofSeconds(10), nodes::hasSynced, () -> "the informer did not sync");
      assertEquals(3, nodes.getIndexer().list().size());
      // a plain PATCH call sends Content-Type application/json, which kube (and the sandbox) refuse: PatchUtils
      PatchUtils.patch(V1Node.class, () -> core.patchNode("sandbox-node-1",
              new V1Patch("{\"metadata\":{\"labels\":{\"seen\":\"yes\"}}}")).buildCall(null),
          V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH, client);
      Poll.until(Duration.ofSeconds(10),
          () -> "yes".equals(nodes.getIndexer().getByKey("sandbox-node-1").getMetadata().getLabels().get("seen")),
          () -> "the informer's cache did not get the patch");
    } finally {
      factory.stopAllRegisteredInformers();
    }
  }

  @Test
  void watchFromCompactedVersionGetsExpiredErrorEvent() throws Exception {
    server.close();
    server = SandboxApiServer.start(0, 0, new SandboxApiServer.Settings(10, 100, Duration.ofSeconds(10),
        Duration.ofSeconds(1), Duration.ofMinutes(30)));
    client = Config.fromConfig(server.writeKubeconfig(dir.resolve("kubeconfig")).toString());
    core = new CoreV1Api(client);
    for (int i = 0; i < 20; i++) {
      core.createNamespacedConfigMap("default", configMap("cm-" + i, "x")).execute();
    }
    try (Watch<V1ConfigMap> watch = Watch.createWatch(client,
        core.listNamespacedConfigMap("default").watch(true).resourceVersion("1").buildCall(null),
        new TypeToken<Watch.Response<V1ConfigMap>>() { }.getType())) {
      // client-java surfaces kube's ERROR event as a response carrying the Status, not as an exception
      Watch.Response<V1ConfigMap> event = watch.next();
      assertEquals("ERROR", event.type);
      assertNull(event.object);
      assertEquals(410, event.status.getCode());
      assertEquals("Expired", event.status.getReason());
      assertFalse(watch.hasNext(), "the stream ends after the error");
    }
  }

  @Test
  void versionWithTrailingSlash() throws Exception {
    VersionInfo version = new VersionApi(client).getCode().execute();
    assertEquals("1", version.getMajor());
    assertEquals("30", version.getMinor());
    assertEquals("v1.30.2-sandbox", version.getGitVersion());
  }

  private static V1NodeCondition condition(V1Node node, String type) {
    return node.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
  }

  private static V1ConfigMap configMap(String name, String value) {
    return new V1ConfigMap().metadata(new V1ObjectMeta().name(name)).putDataItem("key", value);
  }

  private static V1Pod pod(String name, String parity) {
    return new V1Pod()
        .metadata(new V1ObjectMeta().name(name).putLabelsItem("parity", parity))
        .spec(new V1PodSpec().addContainersItem(new V1Container().name("app").image("nginx:1.27")));
  }
}
