package io.flotilla.hub.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flotilla.hub.apps.FeedInventories.Quantity;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class FeedInventoriesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static JsonNode ref(String apiVersion, String kind, String namespace, String name) {
    return json("{\"apiVersion\":\"" + apiVersion + "\",\"kind\":\"" + kind + "\","
        + (namespace == null ? "" : "\"namespace\":\"" + namespace + "\",") + "\"name\":\"" + name + "\"}");
  }

  private static JsonNode workload(String kind, String replicas, String podSpec) {
    return json("""
        {"apiVersion":"apps/v1","kind":"%s","metadata":{"name":"web","namespace":"shop"},
         "spec":{%s"template":{"spec":%s}}}""".formatted(kind, replicas == null ? "" : "\"replicas\":" + replicas + ",",
        podSpec));
  }

  private static final String POD_SPEC = """
      {"nodeSelector":{"disk":"ssd"},
       "tolerations":[{"key":"gpu","operator":"Exists","effect":"NoSchedule"}],
       "containers":[
         {"name":"app","resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"1Gi"}}},
         {"name":"sidecar","resources":{"requests":{"cpu":"250m"},"limits":{"memory":"512Mi"}}},
         {"name":"bare"}],
       "initContainers":[{"name":"init","resources":{"requests":{"cpu":"1","memory":"64Mi"}}}]}""";

  @Test
  void deploymentOrderCarriesReplicasRequirementsAndPath() {
    JsonNode order = FeedInventories.order(ref("apps/v1", "Deployment", "shop", "web"),
        workload("Deployment", "3", POD_SPEC));
    assertEquals(json("""
        {"kind":"Deployment","apiVersion":"apps/v1","namespace":"shop","name":"web","desiredReplicas":3,
         "replicaRequirements":{
           "nodeSelector":{"disk":"ssd"},
           "tolerations":[{"key":"gpu","operator":"Exists","effect":"NoSchedule"}],
           "resources":{"limits":{"cpu":"500m","memory":"1536Mi"},"requests":{"cpu":"1","memory":"640Mi"}}},
         "replicaJsonPath":"/spec/replicas"}"""), order,
        "requests sum 100m+250m, the sidecar's memory request defaults to its limit (128Mi+512Mi),"
            + " and the init container's 1 CPU beats the 350m sum");
  }

  @Test
  void replicasDefaultToOneForEveryDividableWorkload() {
    for (String kind : new String[] {"Deployment", "ReplicaSet", "StatefulSet"}) {
      JsonNode order = FeedInventories.order(ref("apps/v1", kind, "shop", "web"),
          workload(kind, null, "{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"2\"}}}]}"));
      assertEquals(1, order.path("desiredReplicas").asInt(), kind);
      assertEquals("/spec/replicas", order.path("replicaJsonPath").asText(), kind);
      assertEquals("2", order.at("/replicaRequirements/resources/requests/cpu").asText(), kind);
      assertFalse(order.at("/replicaRequirements/resources").has("limits"), kind);
    }
    assertEquals(0, FeedInventories.order(ref("apps/v1", "StatefulSet", "shop", "db"),
        workload("StatefulSet", "0", "{\"containers\":[]}")).path("desiredReplicas").asInt(-1));
  }

  @Test
  void otherFeedsAreReplicatedWhole() {
    JsonNode configMap = json("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\"},"
        + "\"data\":{\"replicas\":\"3\"}}");
    assertEquals(json("""
        {"kind":"ConfigMap","apiVersion":"v1","namespace":"shop","name":"cfg","replicaRequirements":{"resources":{}}}"""),
        FeedInventories.order(ref("v1", "ConfigMap", "shop", "cfg"), configMap));
    assertEquals(json("""
        {"kind":"Namespace","apiVersion":"v1","name":"shop","replicaRequirements":{"resources":{}}}"""),
        FeedInventories.order(ref("v1", "Namespace", null, "shop"), null), "a missing template has no replicas");
    JsonNode lookalike = workload("Deployment", "3", "{\"containers\":[]}");
    ((com.fasterxml.jackson.databind.node.ObjectNode) lookalike).put("apiVersion", "example.com/v1");
    assertFalse(FeedInventories.order(ref("example.com/v1", "Deployment", "shop", "web"), lookalike)
        .has("desiredReplicas"), "only the built-in group versions are divided");
  }

  @Test
  void malformedResourceQuantitiesAreRejected() {
    JsonNode bad = workload("Deployment", "1",
        "{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"lots\"}}}]}");
    assertThrows(IllegalArgumentException.class,
        () -> FeedInventories.order(ref("apps/v1", "Deployment", "shop", "web"), bad));
  }

  @Test
  void feedKeysWithAndWithoutNamespace() {
    assertEquals("apps/v1/Deployment/shop/web", FeedInventories.feedKey(ref("apps/v1", "Deployment", "shop", "web")));
    assertEquals("v1/Namespace/shop", FeedInventories.feedKey(ref("v1", "Namespace", null, "shop")));
    assertEquals("v1/Namespace/shop", FeedInventories.feedKey(ref("v1", "Namespace", "", "shop")));
  }

  private static BigDecimal value(String quantity) {
    return Quantity.parse(quantity).value();
  }

  @Test
  void parsesKubernetesQuantities() {
    assertEquals(0, value("4").compareTo(new BigDecimal("4")));
    assertEquals(0, value("100m").compareTo(new BigDecimal("0.1")));
    assertEquals(0, value("1.5").compareTo(new BigDecimal("1.5")));
    assertEquals(0, value(".5").compareTo(new BigDecimal("0.5")));
    assertEquals(0, value("+2").compareTo(new BigDecimal("2")));
    assertEquals(0, value("250u").compareTo(new BigDecimal("0.00025")));
    assertEquals(0, value("3n").compareTo(new BigDecimal("0.000000003")));
    assertEquals(0, value("1Ki").compareTo(new BigDecimal("1024")));
    assertEquals(0, value("8Gi").compareTo(new BigDecimal("8589934592")));
    assertEquals(0, value("1.5Gi").compareTo(new BigDecimal("1610612736")));
    assertEquals(0, value("2Ti").compareTo(new BigDecimal("2199023255552")));
    assertEquals(0, value("2k").compareTo(new BigDecimal("2000")));
    assertEquals(0, value("1M").compareTo(new BigDecimal("1000000")), "M is mega, m is milli");
    assertEquals(0, value("3G").compareTo(new BigDecimal("3000000000")));
    assertEquals(0, value("1T").compareTo(new BigDecimal("1000000000000")));
    assertEquals(0, value("1E").compareTo(new BigDecimal("1000000000000000000")), "a lone E is exa");
    assertEquals(0, value("1e3").compareTo(new BigDecimal("1000")));
    assertEquals(0, value("12E-3").compareTo(new BigDecimal("0.012")));
    for (String bad : new String[] {"", "lots", "1Q", "1 Gi", "--1", "1KI", "e3", "1e"}) {
      assertThrows(IllegalArgumentException.class, () -> Quantity.parse(bad), bad);
    }
  }

  private static String sum(String... quantities) {
    Quantity total = Quantity.parse(quantities[0]);
    for (int i = 1; i < quantities.length; i++) {
      total = total.plus(Quantity.parse(quantities[i]));
    }
    return total.toString();
  }

  @Test
  void printsCanonicallyInTheFirstOperandsNotation() {
    assertEquals("500m", sum("100m", "400m"));
    assertEquals("1", sum("500m", "500m"));
    assertEquals("1500m", sum("1", "500m"));
    assertEquals("2k", sum("1k", "1000"));
    assertEquals("1200", sum("1200"));
    assertEquals("1536Mi", sum("1Gi", "512Mi"));
    assertEquals("1536Mi", sum("1.5Gi"));
    assertEquals("2Gi", sum("1Gi", "1Gi"));
    assertEquals("1073741825", sum("1Gi", "1"), "a binary value not divisible by 1Ki prints plainly");
    assertEquals("512", sum("1Ki", "-512"), "binary values under 1Ki print in decimal");
    assertEquals("500m", sum("0.5Ki", "-511.5"), "fractions print in decimal");
    assertEquals("1500e-3", sum("1e0", "0.5"));
    assertEquals("2e3", sum("1e3", "1000"));
    assertEquals("1n", sum("0.0000000001"), "sub-nano values round up to 1n");
    assertEquals("0", sum("100m", "-100m"));
    assertEquals("1000E", sum("1000E"));
    assertEquals("2", Quantity.parse("1").max(Quantity.parse("2")).toString());
  }
}
