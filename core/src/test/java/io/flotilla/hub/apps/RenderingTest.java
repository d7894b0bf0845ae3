package io.flotilla.hub.apps;

import static io.flotilla.hub.apps.OverridesTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.hub.apps.Rendering.Rendered;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RenderingTest {
  private static final String DEPLOYMENT_KEY = "apps/v1/Deployment/demo/web";
  private static final String SERVICE_KEY = "v1/Service/demo/web";
  private static final String NAMESPACE_KEY = "v1/Namespace/demo";
  private static final String CHART_KEY = "apps.clusternet.io/v1alpha1/HelmChart/demo/redis";
  private static final Map<String, String> CLUSTER = Map.of("env", "prod", "region", "eu");

  private static ObjectNode base(String... feeds) {
    ObjectNode base = json("{'apiVersion':'apps.clusternet.io/v1alpha1','kind':'Base',"
        + "'metadata':{'name':'app-x7k2q','namespace':'clusternet-abcde','uid':'base-uid',"
        + "'labels':{'apps.clusternet.io/subs.name':'app','apps.clusternet.io/subs.namespace':'demo',"
        + "'apps.clusternet.io/subs.uid':'sub-uid','clusters.clusternet.io/cluster-id':'cid',"
        + "'clusters.clusternet.io/cluster-name':'c1','apps.clusternet.io/config.kind':'Subscription',"
        + "'unrelated':'x'}},'spec':{'feeds':[]}}");
    for (String feed : feeds) {
      base.withArray("/spec/feeds").add(json(feed));
    }
    return base;
  }

  private static final String DEPLOYMENT_FEED = "{'apiVersion':'apps/v1','kind':'Deployment','namespace':'demo','name':'web'}";
  private static final String SERVICE_FEED = "{'apiVersion':'v1','kind':'Service','namespace':'demo','name':'web'}";
  private static final String NAMESPACE_FEED = "{'apiVersion':'v1','kind':'Namespace','name':'demo'}";
  private static final String CHART_FEED =
      "{'apiVersion':'apps.clusternet.io/v1alpha1','kind':'HelmChart','namespace':'demo','name':'redis'}";

  /** Templates as the hub stores them, with everything the strip step removes. */
  private static Map<String, ObjectNode> templates() {
    Map<String, ObjectNode> feeds = new LinkedHashMap<>();
    feeds.put(NAMESPACE_KEY, json("{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'demo','uid':'ns-uid',"
        + "'resourceVersion':'7','creationTimestamp':'2024-05-01T10:00:00Z'},'status':{'phase':'Active'}}"));
    feeds.put(DEPLOYMENT_KEY, json("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'demo',"
        + "'uid':'d-uid','resourceVersion':'12','generation':3,'creationTimestamp':'2024-05-01T10:00:00Z',"
        + "'selfLink':'/apis/apps/v1/namespaces/demo/deployments/web','managedFields':[{'manager':'kubectl'}],"
        + "'ownerReferences':[{'kind':'X','name':'y','uid':'z'}],'labels':{'app':'web'},"
        + "'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'{}','team':'a'}},"
        + "'spec':{'replicas':3,'selector':{'matchLabels':{'app':'web'}},"
        + "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'web','image':'nginx:1'}]}}},"
        + "'status':{'replicas':3}}"));
    feeds.put(SERVICE_KEY, json("{'apiVersion':'v1','kind':'Service','metadata':{'name':'web','namespace':'demo',"
        + "'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'{}'}},"
        + "'spec':{'selector':{'app':'web'},'ports':[{'port':80}]}}"));
    feeds.put(CHART_KEY, json("{'apiVersion':'apps.clusternet.io/v1alpha1','kind':'HelmChart','metadata':{'name':'redis',"
        + "'namespace':'demo','uid':'chart-uid','resourceVersion':'4'},"
        + "'spec':{'repo':'https://charts.example.com','chart':'redis','version':'1.0.0','targetNamespace':'cache'},"
        + "'status':{'phase':'Found'}}"));
    return feeds;
  }

  private static ObjectNode policy(String kind, String name, int priority, String created, String feed, String... overrides) {
    ObjectNode policy = json("{'apiVersion':'apps.clusternet.io/v1alpha1','kind':'" + kind + "','metadata':{'name':'" + name
        + "','creationTimestamp':'" + created + "'},'spec':{'priority':" + priority + ",'feed':" + feed + ",'overrides':[]}}");
    if (kind.equals("Localization")) {
      policy.withObject("/metadata").put("namespace", "clusternet-abcde");
    }
    for (String override : overrides) {
      policy.withArray("/spec/overrides").add(json(override));
    }
    return policy;
  }

  private static String mergePatch(String name, String yaml) {
    return "{'name':'" + name + "','type':'MergePatch','value':'" + yaml + "'}";
  }

  private static List<Rendered> render(ObjectNode base, List<ObjectNode> globalizations, List<ObjectNode> localizations) {
    return Rendering.render(base, CLUSTER, templates(), globalizations, localizations, Map.of(), Map.of());
  }

  private static List<JsonNode> decoded(JsonNode raw) {
    List<JsonNode> objects = new ArrayList<>();
    raw.forEach(entry -> objects.add(Json.parse(Base64.getDecoder().decode(entry.asText()))));
    return objects;
  }

  /** The rendered generic objects of a Base that has only generic feeds. */
  private static List<JsonNode> genericObjects(List<Rendered> rendered) {
    assertEquals(1, rendered.size());
    assertNull(rendered.get(0).failure());
    return decoded(rendered.get(0).description().at("/spec/raw"));
  }

  private static JsonNode deploymentAfter(List<ObjectNode> globalizations, List<ObjectNode> localizations) {
    return genericObjects(render(base(DEPLOYMENT_FEED), globalizations, localizations)).get(0);
  }

  @Test
  void describesABaseFieldByField() {
    List<Rendered> rendered = render(base(NAMESPACE_FEED, DEPLOYMENT_FEED, CHART_FEED, SERVICE_FEED), List.of(),
        List.of(policy("Localization", "values", 500, "2024-05-01T10:00:00Z", CHART_FEED,
            "{'name':'v','type':'Helm','value':'replicaCount: 2'}")));
    assertEquals(2, rendered.size());
    JsonNode labels = json("{'clusternet.io/created-by':'clusternet-controller-manager',"
        + "'apps.clusternet.io/config.kind':'Base','apps.clusternet.io/config.namespace':'clusternet-abcde',"
        + "'apps.clusternet.io/config.uid':'base-uid','apps.clusternet.io/subs.name':'app',"
        + "'apps.clusternet.io/subs.namespace':'demo','apps.clusternet.io/subs.uid':'sub-uid',"
        + "'clusters.clusternet.io/cluster-id':'cid','clusters.clusternet.io/cluster-name':'c1'}");
    JsonNode owners = json("{'o':[{'apiVersion':'apps.clusternet.io/v1alpha1','kind':'Base','name':'app-x7k2q',"
        + "'uid':'base-uid','controller':true,'blockOwnerDeletion':true}]}").get("o");

    ObjectNode helm = rendered.get(0).description();
    assertNull(rendered.get(0).failure());
    assertEquals("apps.clusternet.io/v1alpha1", helm.path("apiVersion").asText());
    assertEquals("Description", helm.path("kind").asText());
    assertEquals("app-x7k2q-helm", helm.at("/metadata/name").asText());
    assertEquals("clusternet-abcde", helm.at("/metadata/namespace").asText());
    assertEquals(labels, helm.at("/metadata/labels"));
    assertEquals(owners, helm.at("/metadata/ownerReferences"));
    assertEquals(List.of("deployer", "charts", "raw", "chartRaw"), fieldNames(helm.get("spec")));
    assertEquals("Helm", helm.at("/spec/deployer").asText());
    assertEquals(json("{'c':[{'namespace':'demo','name':'redis'}]}").get("c"), helm.at("/spec/charts"));
    assertEquals(List.of(json("{'replicaCount':2}")), decoded(helm.at("/spec/raw")));
    assertEquals(List.of(json("{'apiVersion':'apps.clusternet.io/v1alpha1','kind':'HelmChart',"
        + "'metadata':{'name':'redis','namespace':'demo'},"
        + "'spec':{'repo':'https://charts.example.com','chart':'redis','version':'1.0.0','targetNamespace':'cache'}}")),
        decoded(helm.at("/spec/chartRaw")));

    ObjectNode generic = rendered.get(1).description();
    assertNull(rendered.get(1).failure());
    assertEquals("app-x7k2q-generic", generic.at("/metadata/name").asText());
    assertEquals("clusternet-abcde", generic.at("/metadata/namespace").asText());
    assertEquals(labels, generic.at("/metadata/labels"));
    assertEquals(owners, generic.at("/metadata/ownerReferences"));
    assertEquals(List.of("deployer", "raw"), fieldNames(generic.get("spec")));
    assertEquals("Generic", generic.at("/spec/deployer").asText());
    assertEquals(List.of(
        json("{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'demo'}}"),
        json("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'demo',"
            + "'labels':{'app':'web'},'annotations':{'team':'a'}},"
            + "'spec':{'replicas':3,'selector':{'matchLabels':{'app':'web'}},"
            + "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'web','image':'nginx:1'}]}}}}"),
        json("{'apiVersion':'v1','kind':'Service','metadata':{'name':'web','namespace':'demo'},"
            + "'spec':{'selector':{'app':'web'},'ports':[{'port':80}]}}")),
        decoded(generic.at("/spec/raw")));
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void aChartWithoutValueOverridesHasEmptyValues() {
    List<Rendered> rendered = render(base(CHART_FEED), List.of(), List.of());
    assertEquals(1, rendered.size());
    assertEquals("app-x7k2q-helm", rendered.get(0).description().at("/metadata/name").asText());
    assertEquals("", rendered.get(0).description().at("/spec/raw/0").asText());
  }

  @Test
  void feedsWithoutTemplatesAreSkippedAndEmptyDescriptionsNotProduced() {
    ObjectNode base = base(DEPLOYMENT_FEED, "{'apiVersion':'v1','kind':'ConfigMap','namespace':'demo','name':'gone'}");
    List<JsonNode> objects = genericObjects(render(base, List.of(), List.of()));
    assertEquals(List.of("Deployment"), objects.stream().map(o -> o.path("kind").asText()).toList());
    assertEquals(List.of(), render(base(), List.of(), List.of()));
  }

  @Test
  void lowerPriorityAppliesFirstSoHigherPriorityWins() {
    JsonNode deployment = deploymentAfter(List.of(), List.of(
        policy("Localization", "high", 800, "2024-01-01T00:00:00Z", DEPLOYMENT_FEED, mergePatch("h", "spec: {replicas: 8}")),
        policy("Localization", "low", 100, "2024-06-01T00:00:00Z", DEPLOYMENT_FEED, mergePatch("l", "spec: {replicas: 1}"))));
    assertEquals(8, deployment.at("/spec/replicas").asInt());
  }

  @Test
  void equalPrioritiesApplyOldestFirstThenByName() {
    JsonNode byAge = deploymentAfter(List.of(), List.of(
        policy("Localization", "a-newer", 500, "2024-06-01T00:00:01Z", DEPLOYMENT_FEED, mergePatch("n", "spec: {replicas: 6}")),
        policy("Localization", "b-older", 500, "2024-06-01T00:00:00Z", DEPLOYMENT_FEED, mergePatch("o", "spec: {replicas: 5}"))));
    assertEquals(6, byAge.at("/spec/replicas").asInt());
    JsonNode byName = deploymentAfter(List.of(), List.of(
        policy("Localization", "b", 500, "2024-06-01T00:00:00Z", DEPLOYMENT_FEED, mergePatch("b", "spec: {replicas: 2}")),
        policy("Localization", "a", 500, "2024-06-01T00:00:00Z", DEPLOYMENT_FEED, mergePatch("a", "spec: {replicas: 1}"))));
    assertEquals(2, byName.at("/spec/replicas").asInt());
  }

  @Test
  void anAbsentPriorityCountsAs500() {
    ObjectNode unprioritized = policy("Localization", "default", 0, "2024-01-01T00:00:00Z", DEPLOYMENT_FEED,
        mergePatch("d", "spec: {replicas: 4}"));
    unprioritized.withObject("/spec").remove("priority");
    JsonNode deployment = deploymentAfter(List.of(), List.of(unprioritized,
        policy("Localization", "p499", 499, "2024-06-01T00:00:00Z", DEPLOYMENT_FEED, mergePatch("x", "spec: {replicas: 9}"))));
    assertEquals(4, deployment.at("/spec/replicas").asInt());
  }

  @Test
  void globalizationsApplyBeforeLocalizations() {
    JsonNode deployment = deploymentAfter(
        List.of(policy("Globalization", "glob", 1000, "2024-01-01T00:00:00Z", DEPLOYMENT_FEED, mergePatch("g", "spec: {replicas: 7}"))),
        List.of(policy("Localization", "loc", 0, "2024-01-01T00:00:00Z", DEPLOYMENT_FEED, mergePatch("l", "spec: {replicas: 2}"))));
    assertEquals(2, deployment.at("/spec/replicas").asInt());
  }

  @Test
  void globalizationsApplyOnlyToClustersTheirAffinitySelects() {
    ObjectNode matching = policy("Globalization", "eu", 500, "2024-01-01T00:00:00Z", DEPLOYMENT_FEED,
        mergePatch("m", "metadata: {labels: {eu: \"yes\"}}"));
    matching.withObject("/spec").set("clusterAffinity", json("{'matchLabels':{'region':'eu'},"
        + "'matchExpressions':[{'key':'env','operator':'In','values':['prod','staging']}]}"));
    ObjectNode other = policy("Globalization", "us", 500, "2024-01-01T00:00:00Z", DEPLOYMENT_FEED,
        mergePatch("o", "metadata: {labels: {us: \"yes\"}}"));
    other.withObject("/spec").set("clusterAffinity", json("{'matchLabels':{'region':'us'}}"));
    ObjectNode everywhere = policy("Globalization", "all", 500, "2024-01-01T00:00:00Z", DEPLOYMENT_FEED,
        mergePatch("a", "metadata: {labels: {all: \"yes\"}}"));
    ObjectNode deleting = policy("Globalization", "deleting", 500, "2024-01-01T00:00:00Z", DEPLOYMENT_FEED,
        mergePatch("d", "metadata: {labels: {deleting: \"yes\"}}"));
    deleting.withObject("/metadata").put("deletionTimestamp", "2024-07-01T00:00:00Z");
    JsonNode deployment = deploymentAfter(List.of(matching, other, everywhere, deleting), List.of());
    assertEquals(json("{'app':'web','eu':'yes','all':'yes'}"), deployment.at("/metadata/labels"));
  }

  @Test
  void aLocalizationAppliesOnlyToItsFeed() {
    List<JsonNode> objects = genericObjects(render(base(DEPLOYMENT_FEED, SERVICE_FEED), List.of(), List.of(
        policy("Localization", "svc", 500, "2024-01-01T00:00:00Z", SERVICE_FEED,
            mergePatch("s", "metadata: {labels: {touched: \"yes\"}}")))));
    assertEquals(json("{'app':'web'}"), objects.get(0).at("/metadata/labels"));
    assertEquals(json("{'touched':'yes'}"), objects.get(1).at("/metadata/labels"));
  }

  @Test
  void overridesCannotPutBackWhatTheStripRemoves() {
    JsonNode deployment = deploymentAfter(List.of(), List.of(policy("Localization", "status", 500,
        "2024-01-01T00:00:00Z", DEPLOYMENT_FEED, mergePatch("s", "status: {replicas: 9}\\nmetadata: {uid: u}"))));
    assertTrue(deployment.path("status").isMissingNode());
    assertTrue(deployment.at("/metadata/uid").isMissingNode());
  }

  @Test
  void replicasAreSetLastAndWinOverLocalizations() {
    List<Rendered> rendered = Rendering.render(base(DEPLOYMENT_FEED), CLUSTER, templates(), List.of(),
        List.of(policy("Localization", "max", 1000, "2030-01-01T00:00:00Z", DEPLOYMENT_FEED,
            mergePatch("m", "spec: {replicas: 10}"))),
        Map.of(DEPLOYMENT_KEY, 2), Map.of(DEPLOYMENT_KEY, "/spec/replicas"));
    assertEquals(2, genericObjects(rendered).get(0).at("/spec/replicas").asInt());
  }

  @Test
  void aBadPatchFailsItsDescriptionNamingTheOverride() {
    List<Rendered> rendered = render(base(DEPLOYMENT_FEED, SERVICE_FEED), List.of(), List.of(policy("Localization",
        "broken", 500, "2024-01-01T00:00:00Z", DEPLOYMENT_FEED,
        "{'name':'bad-test','type':'JSONPatch','value':'[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":1}]'}")));
    assertEquals(1, rendered.size());
    assertEquals("failed to apply overrides to apps/v1/Deployment/demo/web: override \"bad-test\" (JSONPatch) of "
        + "Localization clusternet-abcde/broken: testing value /spec/replicas failed", rendered.get(0).failure());
    ObjectNode description = rendered.get(0).description();
    assertEquals("app-x7k2q-generic", description.at("/metadata/name").asText());
    assertEquals(List.of("Service"), decoded(description.at("/spec/raw")).stream()
        .map(o -> o.path("kind").asText()).toList());
  }

  @Test
  void anInvalidClusterAffinityFailsTheFeed() {
    ObjectNode glob = policy("Globalization", "odd", 500, "2024-01-01T00:00:00Z", CHART_FEED, mergePatch("x", "a: 1"));
    glob.withObject("/spec").set("clusterAffinity", json("{'matchExpressions':[{'key':'env','operator':'Near'}]}"));
    List<Rendered> rendered = render(base(CHART_FEED), List.of(glob), List.of());
    assertEquals(1, rendered.size());
    assertEquals("failed to apply overrides to " + CHART_KEY + ": Globalization odd has an invalid clusterAffinity: "
        + "\"Near\" is not a valid label selector operator", rendered.get(0).failure());
    assertEquals(0, rendered.get(0).description().at("/spec/charts").size());
  }
}
