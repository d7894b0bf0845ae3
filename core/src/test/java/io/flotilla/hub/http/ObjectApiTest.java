package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.stream.alpakka.cassandra.javadsl.CassandraSessionRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.TestHubs;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Stored objects over plain HTTP: what kubectl does not exercise (paging, selectors, dry runs, patch types, finalizers, secrets). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObjectApiTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final String APPS = "/apis/apps.clusternet.io/v1alpha1";

  @TempDir
  static Path home;
  TestHubs.Running hub;
  HubClient client;
  String admin;

  @BeforeAll
  void start() throws Exception {
    hub = TestHubs.start(cassandra, home);
    client = hub.client();
    admin = hub.home().adminToken();
  }

  @AfterAll
  void stop() throws Exception {
    hub.close();
  }

  static ObjectNode configMap(String namespace, String name, String tier) {
    ObjectNode cm = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
    cm.putObject("metadata").put("name", name).put("namespace", namespace).putObject("labels").put("tier", tier);
    cm.putObject("data").put("k", "v");
    return cm;
  }

  static ObjectNode chart(String name) {
    ObjectNode chart = Json.MAPPER.createObjectNode().put("apiVersion", "apps.clusternet.io/v1alpha1")
        .put("kind", "HelmChart");
    chart.putObject("metadata").put("name", name);
    chart.putObject("spec").put("repo", "oci://registry.example.com/charts").put("chart", "web")
        .put("targetNamespace", "web");
    return chart;
  }

  HubClient.Reply patch(String path, String type, String body) {
    return client.send(client.request(path, admin).header("Content-Type", type)
        .method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
  }

  List<String> names(JsonNode list) {
    return StreamSupport.stream(list.path("items").spliterator(), false)
        .map(i -> i.at("/metadata/namespace").asText() + "/" + i.at("/metadata/name").asText()).toList();
  }

  JsonNode awaitList(String path, int size) {
    JsonNode[] last = new JsonNode[1];
    TestProbe.create(hub.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
      last[0] = client.get(path, admin).json();
      assertEquals(size, last[0].path("items").size(), last[0].toString());
      return null;
    });
    return last[0];
  }

  static String query(String selector) {
    return URLEncoder.encode(selector, StandardCharsets.UTF_8);
  }

  @Test
  void listsPageAndSelectAcrossNamespaces() {
    for (String ns : List.of("paging-a", "paging-b", "paging-c")) {
      for (int i = 0; i < 3; i++) {
        HubClient.Reply created = client.post("/api/v1/namespaces/" + ns + "/configmaps", admin,
            configMap(ns, "cm-" + i, i == 1 ? "db" : "web"));
        assertEquals(201, created.code(), created.body());
      }
    }
    awaitList("/api/v1/namespaces/paging-c/configmaps", 3);
    List<String> all = names(awaitList("/api/v1/configmaps?labelSelector=" + query("tier in (web,db)"), 9));
    assertEquals("paging-a/cm-0", all.get(0));
    assertEquals("paging-c/cm-2", all.get(8));

    List<String> paged = new ArrayList<>();
    String next = "";
    int pages = 0;
    do {
      JsonNode page = client.get("/api/v1/configmaps?limit=4&labelSelector=tier%3Dweb" + (next.isEmpty() ? ""
          : "&continue=" + next), admin).json();
      paged.addAll(names(page));
      next = page.at("/metadata/continue").asText("");
      pages++;
    } while (!next.isEmpty());
    assertEquals(List.of("paging-a/cm-0", "paging-a/cm-2", "paging-b/cm-0", "paging-b/cm-2", "paging-c/cm-0",
        "paging-c/cm-2"), paged);
    assertEquals(2, pages);

    assertEquals(List.of("paging-b/cm-1"), names(client.get("/api/v1/configmaps?labelSelector=tier!%3Dweb"
        + "&fieldSelector=metadata.namespace%3Dpaging-b", admin).json()));
    assertEquals(List.of("paging-a/cm-2"), names(client.get("/api/v1/namespaces/paging-a/configmaps?fieldSelector="
        + "metadata.name%3Dcm-2", admin).json()));
    assertEquals(400, client.get("/api/v1/configmaps?fieldSelector=data.k%3Dv", admin).code());
    assertEquals(400, client.get("/api/v1/configmaps?labelSelector=" + query("tier in web"), admin).code());
    assertEquals(400, client.get("/api/v1/configmaps?continue=garbage", admin).code());
    assertEquals(400, client.get("/api/v1/configmaps?watch=true&resourceVersion=not-ours", admin).code());
  }

  @Test
  void dryRunsValidateAndAnswerButStoreNothing() {
    String charts = APPS + "/namespaces/dry/helmcharts";
    HubClient.Reply dry = client.post(charts + "?dryRun=All&fieldManager=kubectl-client-side-apply"
        + "&fieldValidation=Strict", admin, chart("web"));
    assertEquals(201, dry.code(), dry.body());
    assertEquals(300, dry.json().at("/spec/timeoutSeconds").asInt());
    assertEquals(404, client.get(charts + "/web", admin).code());
    ObjectNode invalid = chart("web");
    ((ObjectNode) invalid.get("spec")).remove("chart");
    HubClient.Reply rejected = client.post(charts + "?dryRun=All", admin, invalid);
    assertEquals(422, rejected.code());
    assertEquals("spec.chart", rejected.text("/details/causes/0/field"));
  }

  @Test
  void patchTypesStatusSubresourceAndConflicts() {
    String charts = APPS + "/namespaces/patching/helmcharts";
    ObjectNode withStatus = chart("web");
    withStatus.putObject("status").put("phase", "Found");
    JsonNode created = client.post(charts, admin, withStatus).json();
    assertFalse(created.has("status"), "status is set through its subresource only");

    assertEquals(415, patch(charts + "/web", "application/strategic-merge-patch+json", "{}").code(),
        "custom resources take no strategic merge patches, as in kube");
    HubClient.Reply merged = patch(charts + "/web", "application/merge-patch+json",
        "{\"spec\":{\"version\":\"1.2.3\"},\"status\":{\"phase\":\"Found\"}}");
    assertEquals(200, merged.code(), merged.body());
    assertEquals("1.2.3", merged.text("/spec/version"));
    assertFalse(merged.json().has("status"));
    assertEquals(2, merged.json().at("/metadata/generation").asLong());

    HubClient.Reply status = patch(charts + "/web/status", "application/json-patch+json",
        "[{\"op\":\"add\",\"path\":\"/status\",\"value\":{\"phase\":\"Found\"}},"
            + "{\"op\":\"replace\",\"path\":\"/spec/version\",\"value\":\"9\"}]");
    assertEquals(200, status.code(), status.body());
    assertEquals("Found", status.text("/status/phase"));
    assertEquals("1.2.3", status.text("/spec/version"), "the status subresource changes status only");
    assertEquals(2, status.json().at("/metadata/generation").asLong());

    assertEquals(422, patch(charts + "/web", "application/json-patch+json",
        "[{\"op\":\"remove\",\"path\":\"/spec/nothing\"}]").code());
    assertEquals(409, patch(charts + "/web", "application/merge-patch+json",
        "{\"metadata\":{\"resourceVersion\":\"1\",\"labels\":{\"a\":\"b\"}}}").code());
    ObjectNode stale = (ObjectNode) status.json().deepCopy();
    ((ObjectNode) stale.get("metadata")).put("resourceVersion", "2");
    HubClient.Reply conflict = client.put(charts + "/web", admin, stale);
    assertEquals(409, conflict.code());
    assertEquals("Conflict", conflict.text("/reason"));
    HubClient.Reply exists = client.post(charts, admin, chart("web"));
    assertEquals(409, exists.code());
    assertEquals("AlreadyExists", exists.text("/reason"));
  }

  @Test
  void finalizersHoldADeleteAndGenerateNameNamesNewObjects() {
    String subs = APPS + "/namespaces/final/subscriptions";
    ObjectNode sub = (ObjectNode) Json.parse(("{'apiVersion':'apps.clusternet.io/v1alpha1','kind':'Subscription',"
        + "'metadata':{'generateName':'app-','finalizers':['apps.clusternet.io/cleanup']},"
        + "'spec':{'subscribers':[{'clusterAffinity':{}}],'feeds':[{'apiVersion':'v1','kind':'Namespace','name':'x'}]}}")
        .replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    HubClient.Reply created = client.post(subs, admin, sub);
    assertEquals(201, created.code(), created.body());
    String name = created.text("/metadata/name");
    assertTrue(name.matches("app-[a-z0-9]{5}"), name);

    HubClient.Reply deleting = client.delete(subs + "/" + name, admin);
    assertEquals(202, deleting.code(), deleting.body());
    assertFalse(deleting.text("/metadata/deletionTimestamp").isEmpty());
    assertEquals(200, client.get(subs + "/" + name, admin).code());
    HubClient.Reply released = patch(subs + "/" + name, "application/merge-patch+json",
        "{\"metadata\":{\"finalizers\":null}}");
    assertEquals(200, released.code(), released.body());
    assertEquals(404, client.get(subs + "/" + name, admin).code());
  }

  @Test
  void secretDataNeverReachesTheJournalInClear() throws Exception {
    ObjectNode secret = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Secret");
    secret.putObject("stringData").put("password", "correct-horse-battery-staple");
    // as kubectl apply writes it: the whole manifest again, secret included
    secret.putObject("metadata").put("name", "db").putObject("annotations")
        .put("kubectl.kubernetes.io/last-applied-configuration", secret.toString());
    HubClient.Reply created = client.post("/api/v1/namespaces/secrets/secrets", admin, secret);
    assertEquals(201, created.code(), created.body());
    String encoded = created.text("/data/password");
    assertEquals("correct-horse-battery-staple", new String(java.util.Base64.getDecoder().decode(encoded)));

    var session = CassandraSessionRegistry.get(hub.hub().system()).sessionFor("akka.projection.cassandra.session-config");
    var rows = session.selectAll("SELECT event FROM " + cassandra.keyspace() + ".messages WHERE persistence_id = ?"
        + " AND partition_nr = 0", "Object|core/secrets/secrets/db").toCompletableFuture().get();
    assertEquals(1, rows.size());
    String journal = new String(rows.get(0).getByteBuffer("event").array(), StandardCharsets.ISO_8859_1);
    assertTrue(journal.contains("flotilla.io/encryptedData"), journal);
    assertFalse(journal.contains(encoded) || journal.contains("correct-horse"), journal);
    JsonNode read = client.get("/api/v1/namespaces/secrets/secrets/db", admin).json();
    assertEquals(encoded, read.at("/data/password").asText());
    assertTrue(read.at("/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration").asText()
        .contains("correct-horse-battery-staple"));
  }

  @Test
  void coreDiscoveryListsTheFeedKindsAndOnlyAdminsMayUseThem() {
    JsonNode core = client.get("/api/v1", admin).json();
    List<String> resources = StreamSupport.stream(core.path("resources").spliterator(), false)
        .map(r -> r.path("name").asText()).toList();
    assertTrue(resources.containsAll(List.of("namespaces", "namespaces/status", "services", "configmaps", "secrets",
        "serviceaccounts")), resources.toString());
    JsonNode apps = client.get("/apis/apps.clusternet.io/v1alpha1", admin).json();
    assertTrue(apps.toString().contains("\"shortNames\":[\"glob\",\"global\"]"), apps.toString());
    assertEquals("v1", client.get("/api", admin).json().at("/versions/0").asText());
    assertFalse(client.get("/apis", admin).body().contains("\"name\":\"\""), "the core group is not under /apis");
    assertEquals(403, client.get("/api/v1/configmaps", hub.home().bootstrapToken()).code());
  }

  @Test
  void theShadowApiIsAnotherPathToTheFeeds() {
    ObjectNode deployment = (ObjectNode) Json.parse(("{'apiVersion':'apps/v1','kind':'Deployment',"
        + "'metadata':{'name':'web'},'spec':{'replicas':2}}").replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    HubClient.Reply created = client.post("/apis/shadow/v1alpha1/namespaces/shadowed/deployments", admin, deployment);
    assertEquals(201, created.code(), created.body());
    assertEquals(created.json(), client.get("/apis/apps/v1/namespaces/shadowed/deployments/web", admin).json());
    JsonNode discovery = client.get("/apis/shadow/v1alpha1", admin).json();
    JsonNode namespaces = StreamSupport.stream(discovery.path("resources").spliterator(), false)
        .filter(r -> r.path("name").asText().equals("namespaces")).findFirst().orElseThrow();
    assertEquals("v1", namespaces.path("version").asText());
    assertFalse(namespaces.has("shortNames"), "short names stay with the original kinds");
    assertTrue(client.get("/apis", admin).body().contains("\"groupVersion\":\"shadow/v1alpha1\""));
  }
}
