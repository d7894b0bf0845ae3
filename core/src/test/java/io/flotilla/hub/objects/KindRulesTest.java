package io.flotilla.hub.objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.Status;
import io.flotilla.api.Validation;
import io.flotilla.hub.objects.kinds.DescriptionRules;
import io.flotilla.hub.objects.kinds.HelmRules;
import io.flotilla.hub.objects.kinds.KindRules;
import io.flotilla.hub.objects.kinds.ManifestRules;
import io.flotilla.hub.objects.kinds.OverrideRules;
import io.flotilla.hub.objects.kinds.SecretCodec;
import io.flotilla.hub.objects.kinds.SubscriptionRules;
import io.flotilla.hub.security.TokenCipher;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each kind's defaults and validation, as Clusternet's CRD schemas say; Secret data encrypted at rest. */
class KindRulesTest {
  static ObjectNode json(String text) {
    return (ObjectNode) Json.parse(text.replace('\'', '"').getBytes());
  }

  static List<String> fields(KindRules rules, ObjectNode object) {
    Validation v = new Validation();
    rules.admit(object, v);
    return v.causes().stream().map(Status.Cause::field).toList();
  }

  @Test
  void subscriptionDefaultsItsStrategyAndRequiresSubscribersAndFeeds() {
    ObjectNode sub = json("{'spec':{'subscribers':[{'clusterAffinity':{'matchLabels':{'a':'b'}}}],"
        + "'feeds':[{'apiVersion':'apps/v1','kind':'Deployment','name':'web','namespace':'foo'}]}}");
    assertEquals(List.of(), fields(new SubscriptionRules(), sub));
    assertEquals("Replication", sub.at("/spec/schedulingStrategy").asText());
    assertEquals("default", sub.at("/spec/schedulerName").asText());

    assertEquals(List.of("spec.subscribers", "spec.feeds"), fields(new SubscriptionRules(), json("{'spec':{}}")));
    ObjectNode bad = json("{'spec':{'schedulingStrategy':'Sharding','dividingScheduling':{'type':'Random'},"
        + "'subscribers':[{'weight':-1}],'feeds':[{'kind':'Deployment'}]}}");
    assertEquals(List.of("spec.schedulingStrategy", "spec.dividingScheduling.type", "spec.subscribers[0].clusterAffinity",
        "spec.subscribers[0].weight", "spec.feeds[0].apiVersion", "spec.feeds[0].name"), fields(new SubscriptionRules(), bad));
    ObjectNode dividing = json("{'spec':{'schedulingStrategy':'Dividing','dividingScheduling':{},"
        + "'subscribers':[{'clusterAffinity':{}}],'feeds':[{'apiVersion':'v1','kind':'Service','name':'s'}]}}");
    assertEquals(List.of(), fields(new SubscriptionRules(), dividing));
    assertEquals("Static", dividing.at("/spec/dividingScheduling/type").asText());
  }

  @Test
  void localizationsAndGlobalizationsDefaultPriorityAndPolicyAndCheckOverrideTypes() {
    ObjectNode loc = json("{'spec':{'feed':{'apiVersion':'apps/v1','kind':'Deployment','name':'web'},"
        + "'overrides':[{'name':'x','type':'JSONPatch','value':'[]'}]}}");
    assertEquals(List.of(), fields(new OverrideRules(), loc));
    assertEquals(500, loc.at("/spec/priority").asInt());
    assertEquals("ApplyLater", loc.at("/spec/overridePolicy").asText());
    ObjectNode bad = json("{'spec':{'priority':1001,'overridePolicy':'Never','overrides':[{'type':'Kustomize'}]}}");
    assertEquals(List.of("spec.priority", "spec.overridePolicy", "spec.feed", "spec.overrides[0].value",
        "spec.overrides[0].type"), fields(new OverrideRules(), bad));
  }

  @Test
  void helmChartsDefaultCreateNamespaceAndTimeoutAndNeedRepoChartAndTarget() {
    ObjectNode chart = json("{'spec':{'repo':'https://charts.bitnami.com/bitnami','chart':'mysql','version':'9.2.0',"
        + "'targetNamespace':'abc'}}");
    assertEquals(List.of(), fields(new HelmRules(), chart));
    assertTrue(chart.at("/spec/createNamespace").asBoolean());
    assertEquals(300, chart.at("/spec/timeoutSeconds").asInt());
    assertEquals(List.of("spec.repo", "spec.chart", "spec.targetNamespace", "spec.wait"),
        fields(new HelmRules(), json("{'spec':{'repo':'ftp://x','wait':'yes'}}")));
  }

  @Test
  void descriptionsAndManifests() {
    assertEquals(List.of("spec.deployer"), fields(new DescriptionRules(), json("{'spec':{'deployer':'Kustomize'}}")));
    assertEquals(List.of("status.phase"),
        fields(new DescriptionRules(), json("{'spec':{'deployer':'Helm'},'status':{'phase':'Done'}}")));
    assertEquals(List.of("template"), fields(new ManifestRules(), json("{}")));
  }

  @Test
  void secretDataIsStoredOnlyEncryptedAndUnchangedDataKeepsItsCiphertext() {
    SecretCodec codec = new SecretCodec(new TokenCipher(new byte[32]));
    String lastApplied = "{\\'kind\\':\\'Secret\\',\\'stringData\\':{\\'user\\':\\'admin\\'}}";
    ObjectNode secret = json("{'kind':'Secret','metadata':{'annotations':{"
        + "'kubectl.kubernetes.io/last-applied-configuration':'" + lastApplied + "'}},"
        + "'data':{'password':'aHVudGVyMg=='},'stringData':{'user':'admin'}}");
    ObjectNode stored = codec.toStored(secret, null);
    assertFalse(stored.has("data") || stored.has("stringData"), stored.toString());
    assertFalse(stored.toString().contains("aHVudGVyMg") || stored.toString().contains("admin"), stored.toString());
    ObjectNode shown = codec.fromStored(stored);
    assertEquals(secret.at("/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"),
        shown.at("/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"));
    assertEquals("aHVudGVyMg==", shown.at("/data/password").asText());
    assertEquals("YWRtaW4=", shown.at("/data/user").asText());
    assertEquals(stored, codec.toStored(shown, stored), "re-storing unchanged data is a no-op");
    shown.with("data").put("password", "b3RoZXI=");
    assertNotEquals(stored, codec.toStored(shown, stored));
  }
}
