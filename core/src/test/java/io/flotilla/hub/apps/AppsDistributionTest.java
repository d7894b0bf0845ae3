package io.flotilla.hub.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.HubExtension;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clusternet's example shapes applied through the hub's API, and the Bases and Descriptions the
 * pipeline renders for the clusters they select, asserted field by field.
 */
class AppsDistributionTest {
  @RegisterExtension
  @Order(1)
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();
  @RegisterExtension
  @Order(2)
  static final HubExtension hub = new HubExtension(cassandra);

  static final String APPS = "/apis/apps.clusternet.io/v1alpha1";
  static final Duration PATIENCE = Duration.ofSeconds(45);

  /** A registered cluster: its dedicated namespace and ManagedCluster name. */
  record Cluster(String namespace, String name) {
    String path() {
      return "/apis/clusters.clusternet.io/v1beta1/namespaces/" + namespace + "/managedclusters/" + name;
    }
  }

  HubClient client() {
    return hub.client();
  }

  String admin() {
    return hub.home().adminToken();
  }

  /** The approved registration request of a new cluster with these labels. */
  JsonNode registered(Map<String, String> labels) {
    HubClient.Reply reply = client().register(hub.home().bootstrapToken(), labels);
    assertEquals(201, reply.code(), reply.body());
    return reply.json();
  }

  Cluster register(Map<String, String> labels) {
    JsonNode crr = registered(labels);
    return new Cluster(crr.at("/status/dedicatedNamespace").asText(), crr.at("/status/managedClusterName").asText());
  }

  void create(String path, JsonNode object) {
    HubClient.Reply reply = client().post(path, admin(), object);
    assertEquals(201, reply.code(), reply.body());
  }

  static ObjectNode parse(String json) {
    return (ObjectNode) Json.MAPPER.valueToTree(Json.read(json, Map.class));
  }

  static ObjectNode namespaceFeed(String name) {
    return parse("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}");
  }

  static ObjectNode deployment(String namespace, String name, int replicas) {
    return parse("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"%s","namespace":"%s","labels":{"app":"%s"}},
         "spec":{"replicas":%d,"selector":{"matchLabels":{"app":"%s"}},
          "template":{"metadata":{"labels":{"app":"%s"}},
           "spec":{"containers":[{"name":"web","image":"nginx:1.25",
             "resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}]}}}}
        """.formatted(name, namespace, name, replicas, name, name));
  }

  static ObjectNode service(String namespace, String name) {
    return parse("""
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"%s","namespace":"%s"},
         "spec":{"selector":{"app":"%s"},"ports":[{"port":80,"targetPort":8080}]}}
        """.formatted(name, namespace, name));
  }

  static ObjectNode chart(String namespace, String name) {
    return parse("""
        {"apiVersion":"apps.clusternet.io/v1alpha1","kind":"HelmChart","metadata":{"name":"%s","namespace":"%s"},
         "spec":{"repo":"https://charts.example.com","chart":"mysql","version":"9.2.0","targetNamespace":"abc"}}
        """.formatted(name, namespace));
  }

  static ObjectNode feedRef(String apiVersion, String kind, String namespace, String name) {
    ObjectNode feed = Json.MAPPER.createObjectNode().put("apiVersion", apiVersion).put("kind", kind);
    if (namespace != null) {
      feed.put("namespace", namespace);
    }
    return feed.put("name", name);
  }

  static ObjectNode subscription(String namespace, String name, List<ObjectNode> subscribers, List<ObjectNode> feeds) {
    ObjectNode sub = parse("{\"apiVersion\":\"apps.clusternet.io/v1alpha1\",\"kind\":\"Subscription\"}");
    sub.putObject("metadata").put("name", name).put("namespace", namespace);
    ObjectNode spec = sub.putObject("spec");
    spec.putArray("subscribers").addAll(subscribers);
    spec.putArray("feeds").addAll(feeds);
    return sub;
  }

  static ObjectNode subscriber(String labelKey, String labelValue, Integer weight) {
    ObjectNode subscriber = Json.MAPPER.createObjectNode();
    subscriber.putObject("clusterAffinity").putObject("matchLabels").put(labelKey, labelValue);
    if (weight != null) {
      subscriber.put("weight", weight);
    }
    return subscriber;
  }

  JsonNode awaitObject(String path, java.util.function.Predicate<JsonNode> until) {
    JsonNode[] found = new JsonNode[1];
    TestProbe.create(hub.hub().system()).awaitAssert(PATIENCE, Duration.ofMillis(250), () -> {
      HubClient.Reply reply = client().get(path, admin());
      assertEquals(200, reply.code(), path + ": " + reply.body());
      assertTrue(until.test(reply.json()), path + ": " + reply.body());
      found[0] = reply.json();
      return null;
    });
    return found[0];
  }

  void awaitGone(String path) {
    TestProbe.create(hub.hub().system()).awaitAssert(PATIENCE, Duration.ofMillis(250), () -> {
      HubClient.Reply reply = client().get(path, admin());
      assertEquals(404, reply.code(), path + ": " + reply.body());
      return null;
    });
  }

  static String descPath(String namespace, String name) {
    return APPS + "/namespaces/" + namespace + "/descriptions/" + name;
  }

  /** The objects of a Description's spec.raw (base64 of each object's JSON, as Go encodes []byte). */
  static List<JsonNode> raw(JsonNode description) {
    List<JsonNode> objects = new ArrayList<>();
    description.at("/spec/raw").forEach(r -> objects.add(Json.parse(Base64.getDecoder().decode(r.asText()))));
    return objects;
  }

  @Test
  void replicationRendersABaseAndGenericAndHelmDescriptionsInEveryMatchingCluster() {
    String label = "app-demo-" + UUID.randomUUID().toString().substring(0, 8);
    Cluster a = register(Map.of(label, "true"));
    Cluster b = register(Map.of(label, "true"));
    Cluster other = register(Map.of(label, "false"));
    create("/api/v1/namespaces", namespaceFeed("foo"));
    create("/apis/apps/v1/namespaces/foo/deployments", deployment("foo", "my-nginx", 3));
    create("/api/v1/namespaces/foo/services", service("foo", "my-nginx-svc"));
    create(APPS + "/namespaces/foo/helmcharts", chart("foo", "mysql"));
    create(APPS + "/namespaces/default/subscriptions", subscription("default", "app-demo",
        List.of(subscriber(label, "true", null)),
        List.of(feedRef("v1", "Namespace", null, "foo"), feedRef("apps/v1", "Deployment", "foo", "my-nginx"),
            feedRef("v1", "Service", "foo", "my-nginx-svc"),
            feedRef("apps.clusternet.io/v1alpha1", "HelmChart", "foo", "mysql"))));

    JsonNode sub = awaitObject(APPS + "/namespaces/default/subscriptions/app-demo",
        s -> s.at("/status/bindingClusters").size() == 2);
    List<String> expected = new ArrayList<>(List.of(a.namespace() + "/" + a.name(), b.namespace() + "/" + b.name()));
    expected.sort(String::compareTo);
    assertEquals(expected, List.of(sub.at("/status/bindingClusters/0").asText(), sub.at("/status/bindingClusters/1").asText()));
    assertEquals(4, sub.at("/status/desiredReleases").asInt());
    assertTrue(sub.at("/status/specHash").asLong() > 0);
    assertTrue(sub.at("/metadata/finalizers").toString().contains("apps.clusternet.io/finalizer"));

    for (Cluster cluster : List.of(a, b)) {
      JsonNode base = awaitObject(APPS + "/namespaces/" + cluster.namespace() + "/bases/app-demo", x -> true);
      assertEquals("app-demo", base.at("/metadata/labels/apps.clusternet.io~1subs.name").asText());
      assertEquals("default", base.at("/metadata/labels/apps.clusternet.io~1subs.namespace").asText());
      assertEquals(sub.at("/metadata/uid").asText(), base.at("/metadata/labels/apps.clusternet.io~1subs.uid").asText());
      assertEquals(4, base.at("/spec/feeds").size());

      JsonNode generic = awaitObject(descPath(cluster.namespace(), "app-demo-generic"), x -> true);
      assertEquals("Generic", generic.at("/spec/deployer").asText());
      List<JsonNode> objects = raw(generic);
      assertEquals(List.of("Namespace", "Deployment", "Service"),
          objects.stream().map(o -> o.path("kind").asText()).toList());
      JsonNode deploy = objects.get(1);
      assertEquals("my-nginx", deploy.at("/metadata/name").asText());
      assertEquals("foo", deploy.at("/metadata/namespace").asText());
      assertEquals(3, deploy.at("/spec/replicas").asInt());
      assertTrue(deploy.at("/metadata/uid").isMissingNode(), deploy.toString());
      assertTrue(deploy.at("/metadata/resourceVersion").isMissingNode(), deploy.toString());
      assertTrue(deploy.path("status").isMissingNode(), deploy.toString());

      JsonNode helm = awaitObject(descPath(cluster.namespace(), "app-demo-helm"), x -> true);
      assertEquals("Helm", helm.at("/spec/deployer").asText());
      assertEquals("foo", helm.at("/spec/charts/0/namespace").asText());
      assertEquals("mysql", helm.at("/spec/charts/0/name").asText());
      // Clusternet's HelmRelease per chart, named <description>-<chart namespace>-<chart name>
      JsonNode release = awaitObject(APPS + "/namespaces/" + cluster.namespace() + "/helmreleases/app-demo-helm-foo-mysql",
          x -> true);
      assertEquals("mysql", release.at("/spec/chart").asText());
      assertEquals("mysql", release.at("/spec/releaseName").asText());
      assertEquals("9.2.0", release.at("/spec/version").asText());
      assertEquals("abc", release.at("/spec/targetNamespace").asText());
      assertEquals("app-demo-helm", release.at("/metadata/labels/apps.clusternet.io~1config.name").asText());
    }
    assertEquals(404, client().get(APPS + "/namespaces/" + other.namespace() + "/bases/app-demo", admin()).code());
    JsonNode inventory = awaitObject(APPS + "/namespaces/default/feedinventories/app-demo", x -> true);
    assertEquals(4, inventory.at("/spec/feeds").size());
    assertEquals(3, inventory.at("/spec/feeds/1/desiredReplicas").asInt());
    assertEquals("/spec/replicas", inventory.at("/spec/feeds/1/replicaJsonPath").asText());

    // deleting the Subscription removes every Base and Description before the Subscription goes
    HubClient.Reply deleted = client().delete(APPS + "/namespaces/default/subscriptions/app-demo", admin());
    assertEquals(202, deleted.code(), deleted.body()); // the finalizer holds it until the Bases are gone
    awaitGone(APPS + "/namespaces/default/subscriptions/app-demo");
    for (Cluster cluster : List.of(a, b)) {
      assertEquals(404, client().get(APPS + "/namespaces/" + cluster.namespace() + "/bases/app-demo", admin()).code());
      assertEquals(404, client().get(descPath(cluster.namespace(), "app-demo-generic"), admin()).code());
      assertEquals(404, client().get(descPath(cluster.namespace(), "app-demo-helm"), admin()).code());
      assertEquals(404, client().get(APPS + "/namespaces/" + cluster.namespace() + "/helmreleases/app-demo-helm-foo-mysql",
          admin()).code());
    }
  }

  @Test
  void staticDividingOneToTwoGivesTwoAndFourOfSixReplicas() {
    String label = "dividing-" + UUID.randomUUID().toString().substring(0, 8);
    Cluster one = register(Map.of(label, "one"));
    Cluster two = register(Map.of(label, "two"));
    create("/apis/apps/v1/namespaces/shop/deployments", deployment("shop", "web", 6));
    ObjectNode sub = subscription("default", "dividing-demo",
        List.of(subscriber(label, "one", 1), subscriber(label, "two", 2)),
        List.of(feedRef("apps/v1", "Deployment", "shop", "web")));
    sub.with("spec").put("schedulingStrategy", "Dividing").putObject("dividingScheduling").put("type", "Static");
    create(APPS + "/namespaces/default/subscriptions", sub);

    JsonNode status = awaitObject(APPS + "/namespaces/default/subscriptions/dividing-demo",
        s -> s.at("/status/bindingClusters").size() == 2).path("status");
    for (Map.Entry<Cluster, Integer> expected : Map.of(one, 2, two, 4).entrySet()) {
      Cluster cluster = expected.getKey();
      JsonNode generic = awaitObject(descPath(cluster.namespace(), "dividing-demo-generic"), x -> true);
      assertEquals(expected.getValue(), raw(generic).get(0).at("/spec/replicas").asInt(), generic.toString());
      int index = status.at("/bindingClusters/0").asText().equals(cluster.namespace() + "/" + cluster.name()) ? 0 : 1;
      assertEquals(expected.getValue(), status.at("/replicas/apps~1v1~1Deployment~1shop~1web/" + index).asInt(),
          status.toString());
    }
  }

  /** A registered cluster that reported this allocatable CPU. */
  Cluster registerWithCpu(String label, String cpu) {
    JsonNode crr = registered(Map.of(label, "true"));
    ObjectNode report = HubClient.statusReport(crr, "v1.30.0");
    report.with("status").putObject("allocatable").put("cpu", cpu).put("memory", "64Gi");
    assertEquals(200, client().put(HubClient.managedClusterPath(crr) + "/status", crr.at("/status/token").asText(),
        report).code());
    return new Cluster(crr.at("/status/dedicatedNamespace").asText(), crr.at("/status/managedClusterName").asText());
  }

  @Test
  void dynamicDividingSpreadsReplicasByEachClustersCapacityForTheFeedsRequests() {
    String label = "dynamic-" + UUID.randomUUID().toString().substring(0, 8);
    Cluster small = registerWithCpu(label, "2");
    Cluster large = registerWithCpu(label, "6");
    // the directory has both clusters' allocatable before the Subscription is scheduled
    awaitObject("/apis/clusters.clusternet.io/v1beta1/managedclusters?labelSelector=" + label,
        list -> list.path("items").size() == 2
            && list.findValues("allocatable").stream().filter(a -> a.has("cpu")).count() == 2);
    create("/apis/apps/v1/namespaces/dyn/deployments", deployment("dyn", "api", 8)); // 100m CPU per replica
    ObjectNode sub = subscription("default", "dynamic-demo", List.of(subscriber(label, "true", null)),
        List.of(feedRef("apps/v1", "Deployment", "dyn", "api")));
    sub.with("spec").put("schedulingStrategy", "Dividing").putObject("dividingScheduling").put("type", "Dynamic")
        .putObject("dynamicDividing").put("strategy", "Spread");
    create(APPS + "/namespaces/default/subscriptions", sub);

    // capacity 20 and 60 replicas of 100m: 8 spread 1:3 -> 2 and 6
    for (Map.Entry<Cluster, Integer> expected : Map.of(small, 2, large, 6).entrySet()) {
      JsonNode generic = awaitObject(descPath(expected.getKey().namespace(), "dynamic-demo-generic"), x -> true);
      assertEquals(expected.getValue(), raw(generic).get(0).at("/spec/replicas").asInt(), generic.toString());
    }
    JsonNode inventory = awaitObject(APPS + "/namespaces/default/feedinventories/dynamic-demo", x -> true);
    assertEquals("100m", inventory.at("/spec/feeds/0/replicaRequirements/resources/requests/cpu").asText(),
        inventory.toString());
  }

  @Test
  void relabellingAClusterBindsOrUnbindsItAloneWithoutRewritingOtherClusters() {
    String label = "relabel-" + UUID.randomUUID().toString().substring(0, 8);
    Cluster stays = register(Map.of(label, "yes"));
    Cluster moves = register(Map.of(label, "no"));
    create("/api/v1/namespaces/edge/configmaps", parse(
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"settings\",\"namespace\":\"edge\"},"
            + "\"data\":{\"mode\":\"fast\"}}"));
    create(APPS + "/namespaces/default/subscriptions", subscription("default", "relabel-demo",
        List.of(subscriber(label, "yes", null)), List.of(feedRef("v1", "ConfigMap", "edge", "settings"))));
    String stayingDesc = descPath(stays.namespace(), "relabel-demo-generic");
    String before = awaitObject(stayingDesc, x -> true).at("/metadata/resourceVersion").asText();
    assertEquals(404, client().get(descPath(moves.namespace(), "relabel-demo-generic"), admin()).code());

    HubClient.Reply relabel = client().mergePatch(moves.path(), admin(),
        parse("{\"metadata\":{\"labels\":{\"" + label + "\":\"yes\"}}}"));
    assertEquals(200, relabel.code(), relabel.body());
    awaitObject(descPath(moves.namespace(), "relabel-demo-generic"), x -> true);
    awaitObject(APPS + "/namespaces/default/subscriptions/relabel-demo",
        s -> s.at("/status/bindingClusters").size() == 2);
    assertEquals(before, client().get(stayingDesc, admin()).json().at("/metadata/resourceVersion").asText(),
        "the cluster that kept matching had its Description rewritten");

    client().mergePatch(moves.path(), admin(), parse("{\"metadata\":{\"labels\":{\"" + label + "\":\"no\"}}}"));
    awaitGone(descPath(moves.namespace(), "relabel-demo-generic"));
    awaitGone(APPS + "/namespaces/" + moves.namespace() + "/bases/relabel-demo");
    awaitObject(APPS + "/namespaces/default/subscriptions/relabel-demo",
        s -> s.at("/status/bindingClusters").size() == 1);
    assertEquals(before, client().get(stayingDesc, admin()).json().at("/metadata/resourceVersion").asText());
  }

  @Test
  void localizationsAndGlobalizationsOverrideInPriorityOrderAndABadPatchFailsOnlyItsDescription() {
    String label = "overrides-" + UUID.randomUUID().toString().substring(0, 8);
    Cluster eu = register(Map.of(label, "eu"));
    Cluster us = register(Map.of(label, "us"));
    create("/apis/apps/v1/namespaces/web/deployments", deployment("web", "front", 1));
    // a Globalization for the eu clusters: image and an annotation (ApplyNow, priority 100)
    create(APPS + "/globalizations", parse("""
        {"apiVersion":"apps.clusternet.io/v1alpha1","kind":"Globalization","metadata":{"name":"%s-eu"},
         "spec":{"clusterAffinity":{"matchLabels":{"%s":"eu"}},"priority":100,"overridePolicy":"ApplyNow",
          "feed":{"apiVersion":"apps/v1","kind":"Deployment","namespace":"web","name":"front"},
          "overrides":[
            {"name":"image","type":"JSONPatch",
             "value":"[{\\"op\\":\\"replace\\",\\"path\\":\\"/spec/template/spec/containers/0/image\\",\\"value\\":\\"nginx:eu\\"}]"},
            {"name":"note","type":"MergePatch","value":"metadata:\\n  annotations:\\n    region: eu\\n"}]}}
        """.formatted(label, label)));
    // a Localization in the eu cluster's namespace wins over the Globalization (applied after it)
    create(APPS + "/namespaces/" + eu.namespace() + "/localizations", parse("""
        {"apiVersion":"apps.clusternet.io/v1alpha1","kind":"Localization","metadata":{"name":"front-local"},
         "spec":{"priority":500,"overridePolicy":"ApplyNow",
          "feed":{"apiVersion":"apps/v1","kind":"Deployment","namespace":"web","name":"front"},
          "overrides":[{"name":"more","type":"MergePatch",
                        "value":"{\\"spec\\":{\\"replicas\\":5},\\"metadata\\":{\\"annotations\\":{\\"region\\":\\"eu-local\\"}}}"}]}}
        """));
    // a Localization in the us cluster's namespace whose patch cannot apply
    create(APPS + "/namespaces/" + us.namespace() + "/localizations", parse("""
        {"apiVersion":"apps.clusternet.io/v1alpha1","kind":"Localization","metadata":{"name":"broken"},
         "spec":{"overridePolicy":"ApplyNow",
          "feed":{"apiVersion":"apps/v1","kind":"Deployment","namespace":"web","name":"front"},
          "overrides":[{"name":"not-a-patch","type":"JSONPatch","value":"{\\"op\\":\\"nonsense\\"}"}]}}
        """));
    ObjectNode sub = subscription("default", "overrides-demo",
        List.of(subscriber(label, "eu", null), subscriber(label, "us", null)),
        List.of(feedRef("apps/v1", "Deployment", "web", "front")));
    create(APPS + "/namespaces/default/subscriptions", sub);

    JsonNode euDesc = awaitObject(descPath(eu.namespace(), "overrides-demo-generic"), x -> true);
    JsonNode deploy = raw(euDesc).get(0);
    assertEquals("nginx:eu", deploy.at("/spec/template/spec/containers/0/image").asText());
    assertEquals("eu-local", deploy.at("/metadata/annotations/region").asText());
    assertEquals(5, deploy.at("/spec/replicas").asInt());

    JsonNode usDesc = awaitObject(descPath(us.namespace(), "overrides-demo-generic"),
        d -> "Failure".equals(d.at("/status/phase").asText()));
    assertTrue(usDesc.at("/status/reason").asText().contains("not-a-patch"), usDesc.toString());
  }

  @Test
  void anUnknownClusterIsNotBoundUntilItReportsAgain() {
    String label = "unknown-" + UUID.randomUUID().toString().substring(0, 8);
    JsonNode crr = registered(Map.of(label, "true"));
    String token = crr.at("/status/token").asText();
    String status = HubClient.managedClusterPath(crr) + "/status";
    // a 1 s heartbeat that stops: Unknown (and tainted NoSchedule) after 3 s. Scheduling reads the
    // directory, which lags the entity, so wait until the directory's list shows the taint
    assertEquals(200, client().put(status, token, HubClient.statusReport(crr, "v1.30.0", 1)).code());
    awaitObject("/apis/clusters.clusternet.io/v1beta1/managedclusters?labelSelector=" + label,
        list -> list.at("/items/0/spec/taints").size() == 1);

    create("/api/v1/namespaces/unknown/configmaps", parse(
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"namespace\":\"unknown\"}}"));
    create(APPS + "/namespaces/default/subscriptions", subscription("default", "unknown-demo",
        List.of(subscriber(label, "true", null)), List.of(feedRef("v1", "ConfigMap", "unknown", "c"))));
    JsonNode sub = awaitObject(APPS + "/namespaces/default/subscriptions/unknown-demo",
        s -> s.at("/status/conditions/0/reason").asText().equals("Unschedulable"));
    assertTrue(sub.at("/status/conditions/0/message").asText().contains("taint"), sub.toString());

    // its agent reports again: the taint goes, and the Subscription binds it without being touched
    assertEquals(200, client().put(status, token, HubClient.statusReport(crr, "v1.30.0", 180)).code());
    awaitObject(descPath(crr.at("/status/dedicatedNamespace").asText(), "unknown-demo-generic"), x -> true);
    awaitObject(APPS + "/namespaces/default/subscriptions/unknown-demo",
        s -> s.at("/status/bindingClusters").size() == 1 && s.at("/status/conditions").isMissingNode());
  }

  @Test
  void aClusterChangeThatReachesANewSubscriptionFirstBindsWithTheFinalizer() throws Exception {
    String label = "first-" + UUID.randomUUID().toString().substring(0, 8);
    Cluster cluster = register(Map.of(label, "true"));
    awaitObject("/apis/clusters.clusternet.io/v1beta1/managedclusters?labelSelector=" + label,
        list -> list.path("items").size() == 1);
    create("/api/v1/namespaces/first/configmaps", parse(
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"namespace\":\"first\"}}"));
    create(APPS + "/namespaces/default/subscriptions", subscription("default", "first-demo",
        List.of(subscriber(label, "true", null)), List.of(feedRef("v1", "ConfigMap", "first", "c"))));
    // the cluster's trigger, told before the Subscription's own (which comes through a projection)
    ClusterSharding.get(hub.hub().system())
        .entityRefFor(SubscriptionController.ENTITY_KEY, SubscriptionController.entityId("default", "first-demo"))
        .<Done>askWithStatus(reply -> new SubscriptionController.ClusterChanged(cluster.namespace(), false, reply),
            PATIENCE)
        .toCompletableFuture().get();

    JsonNode sub = client().get(APPS + "/namespaces/default/subscriptions/first-demo", admin()).json();
    assertEquals(1, sub.at("/status/bindingClusters").size(), sub.toString());
    assertTrue(sub.at("/metadata/finalizers").toString().contains("apps.clusternet.io/finalizer"), sub.toString());
  }

  @Test
  void aSubscriptionToAMissingFeedSaysWhichAndRecoversWhenTheFeedAppears() {
    String label = "missing-" + UUID.randomUUID().toString().substring(0, 8);
    Cluster cluster = register(Map.of(label, "true"));
    create(APPS + "/namespaces/default/subscriptions", subscription("default", "missing-demo",
        List.of(subscriber(label, "true", null)), List.of(feedRef("v1", "ConfigMap", "late", "arrives-later"))));
    JsonNode sub = awaitObject(APPS + "/namespaces/default/subscriptions/missing-demo",
        s -> s.at("/status/conditions/0/reason").asText().equals("FeedNotFound"));
    assertTrue(sub.at("/status/conditions/0/message").asText().contains("v1/ConfigMap/late/arrives-later"),
        sub.toString());

    create("/api/v1/namespaces/late/configmaps", parse(
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"arrives-later\",\"namespace\":\"late\"},"
            + "\"data\":{\"k\":\"v\"}}"));
    JsonNode desc = awaitObject(descPath(cluster.namespace(), "missing-demo-generic"), x -> true);
    assertEquals("v", raw(desc).get(0).at("/data/k").asText());
    awaitObject(APPS + "/namespaces/default/subscriptions/missing-demo",
        s -> s.at("/status/conditions").isMissingNode() && s.at("/status/bindingClusters").size() == 1);
  }
}
