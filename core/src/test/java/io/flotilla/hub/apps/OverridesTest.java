package io.flotilla.hub.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.hub.apps.Overrides.ChartResult;
import io.flotilla.hub.apps.Overrides.Override;
import io.flotilla.hub.apps.Overrides.OverrideException;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverridesTest {
  /** Single quotes keep the test documents readable. */
  private static final ObjectMapper LENIENT = JsonMapper.builder().enable(JsonReadFeature.ALLOW_SINGLE_QUOTES).build();

  static ObjectNode json(String text) {
    try {
      return (ObjectNode) LENIENT.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static Override override(String type, String value) {
    return new Override("Localization ns/loc", "ov", type, value, false, "", "");
  }

  private static Override chartOverride(String type, String value) {
    return new Override("Localization ns/loc", "chart-ov", type, value, true, "", "");
  }

  private static Override field(String type, String path, String format, String value) {
    return new Override("Globalization glob", "field-ov", type, value, false, path, format);
  }

  private static ObjectNode deployment() {
    return json("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'demo'},"
        + "'spec':{'replicas':3,'template':{'spec':{'containers':[{'name':'app','image':'nginx:1'}]}}}}");
  }

  @Test
  void jsonPatchAcceptsJsonAndYamlValues() {
    ObjectNode fromJson = Overrides.applyToObject(deployment(), List.of(override(Overrides.JSON_PATCH,
        "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"nginx:2\"}]")));
    ObjectNode fromYaml = Overrides.applyToObject(deployment(), List.of(override(Overrides.JSON_PATCH, """
        - op: replace
          path: /spec/template/spec/containers/0/image
          value: nginx:2
        """)));
    assertEquals("nginx:2", fromJson.at("/spec/template/spec/containers/0/image").asText());
    assertEquals(fromJson, fromYaml);
  }

  @Test
  void mergePatchAcceptsJsonAndYamlValues() {
    ObjectNode fromJson = Overrides.applyToObject(deployment(), List.of(override(Overrides.MERGE_PATCH,
        "{\"metadata\":{\"labels\":{\"env\":\"prod\"}},\"spec\":{\"replicas\":5}}")));
    ObjectNode fromYaml = Overrides.applyToObject(deployment(), List.of(override(Overrides.MERGE_PATCH, """
        metadata:
          labels:
            env: prod
        spec:
          replicas: 5
        """)));
    assertEquals("prod", fromJson.at("/metadata/labels/env").asText());
    assertEquals(5, fromJson.at("/spec/replicas").asInt());
    assertEquals(fromJson, fromYaml);
  }

  @Test
  void overridesApplyInOrderAndLeaveTheInputAlone() {
    ObjectNode original = deployment();
    ObjectNode result = Overrides.applyToObject(original, List.of(
        override(Overrides.MERGE_PATCH, "spec: {replicas: 4}"),
        override(Overrides.MERGE_PATCH, "spec: {replicas: 6}")));
    assertEquals(6, result.at("/spec/replicas").asInt());
    assertEquals(deployment(), original);
  }

  @Test
  void blankValuesAndChartOverridesDoNotTouchPlainObjects() {
    ObjectNode result = Overrides.applyToObject(deployment(), List.of(
        override(Overrides.JSON_PATCH, "  "),
        chartOverride(Overrides.HELM, "spec: {replicas: 9}")));
    assertEquals(deployment(), result);
  }

  @Test
  void aJsonPatchMeetingAMissingPathIsDroppedWhole() {
    // the first operation would apply, the second names a missing member: Clusternet keeps the object as it was
    String patch = "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":1},"
        + "{\"op\":\"remove\",\"path\":\"/metadata/annotations/absent\"}]";
    assertEquals(deployment(), Overrides.applyToObject(deployment(), List.of(override(Overrides.JSON_PATCH, patch))));
  }

  @Test
  void missingPathsAreSkippedForEveryOperationKind() {
    for (String operation : List.of(
        "{'op':'add','path':'/spec/strategy/type','value':'Recreate'}",
        "{'op':'remove','path':'/spec/paused'}",
        "{'op':'replace','path':'/spec/selector/matchLabels','value':{}}",
        "{'op':'replace','path':'/spec/template/spec/containers/5','value':{}}",
        "{'op':'move','from':'/spec/paused','path':'/spec/x'}",
        "{'op':'copy','from':'/spec/replicas','path':'/status/replicas'}",
        "{'op':'test','path':'/status/replicas','value':1}")) {
      ObjectNode result = Overrides.applyToObject(deployment(),
          List.of(override(Overrides.JSON_PATCH, "[" + json(operation) + "]")));
      assertEquals(deployment(), result, operation);
    }
  }

  @Test
  void replacingAnAbsentMemberOfAnExistingObjectSetsIt() {
    ObjectNode withoutReplicas = deployment();
    ((ObjectNode) withoutReplicas.get("spec")).remove("replicas");
    ObjectNode result = Overrides.applyToObject(withoutReplicas, List.of(
        override(Overrides.JSON_PATCH, "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":2}]")));
    assertEquals(2, result.at("/spec/replicas").asInt());
  }

  @Test
  void aPatchThatCannotApplyNamesTheOverride() {
    OverrideException failedTest = assertThrows(OverrideException.class, () -> Overrides.applyToObject(deployment(),
        List.of(override(Overrides.JSON_PATCH, "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":7}]"))));
    assertTrue(failedTest.getMessage().startsWith("override \"ov\" (JSONPatch) of Localization ns/loc: "),
        failedTest.getMessage());
    OverrideException notAnArray = assertThrows(OverrideException.class, () -> Overrides.applyToObject(deployment(),
        List.of(override(Overrides.JSON_PATCH, "{\"op\":\"add\"}"))));
    assertTrue(notAnArray.getMessage().contains("must be an array"), notAnArray.getMessage());
    OverrideException badIndex = assertThrows(OverrideException.class, () -> Overrides.applyToObject(deployment(),
        List.of(override(Overrides.JSON_PATCH, "[{\"op\":\"remove\",\"path\":\"/spec/template/spec/containers/4\"}]"))));
    assertTrue(badIndex.getMessage().contains("invalid array index"), badIndex.getMessage());
    OverrideException unknownType = assertThrows(OverrideException.class, () -> Overrides.applyToObject(deployment(),
        List.of(override("StrategicMergePatch", "spec: {}"))));
    assertTrue(unknownType.getMessage().contains("unsupported override type \"StrategicMergePatch\""));
    OverrideException badYaml = assertThrows(OverrideException.class, () -> Overrides.applyToObject(deployment(),
        List.of(override(Overrides.MERGE_PATCH, "spec: [unclosed"))));
    assertTrue(badYaml.getMessage().contains("neither YAML nor JSON"), badYaml.getMessage());
    OverrideException notAnObject = assertThrows(OverrideException.class, () -> Overrides.applyToObject(deployment(),
        List.of(override(Overrides.MERGE_PATCH, "just text"))));
    assertTrue(notAnObject.getMessage().contains("must be an object"), notAnObject.getMessage());
  }

  @Test
  void fieldPatchesEditYamlFieldsAndWriteYamlBack() {
    ObjectNode configMap = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cfg'},"
        + "'data':{'app.yaml':'server:\\n  port: 80\\n  hosts:\\n  - a\\nmode: \"1\"\\n'}}");
    ObjectNode merged = Overrides.applyToObject(configMap, List.of(
        field(Overrides.FIELD_MERGE_PATCH, "/data/app.yaml", "YAML", "server: {port: 8080}")));
    String yaml = merged.at("/data/app.yaml").asText();
    assertFalse(yaml.startsWith("---"), yaml);
    assertEquals("server:\n  port: 8080\n  hosts:\n  - a\nmode: \"1\"\n", yaml);

    ObjectNode patched = Overrides.applyToObject(configMap, List.of(
        field(Overrides.FIELD_JSON_PATCH, "/data/app.yaml", "", "[{\"op\":\"add\",\"path\":\"/server/hosts/-\",\"value\":\"b\"}]")));
    assertEquals("server:\n  port: 80\n  hosts:\n  - a\n  - b\nmode: \"1\"\n", patched.at("/data/app.yaml").asText());
  }

  @Test
  void fieldPatchesEditJsonFieldsAndWriteIndentedJsonBack() {
    ObjectNode configMap = json("{'kind':'ConfigMap','data':{'settings.json':'{\"level\":\"info\",\"sinks\":[\"stdout\"],\"extra\":{}}'}}");
    ObjectNode merged = Overrides.applyToObject(configMap, List.of(
        field(Overrides.FIELD_MERGE_PATCH, "/data/settings.json", "JSON", "{\"level\": \"debug\"}")));
    assertEquals("{\n    \"level\": \"debug\",\n    \"sinks\": [\n        \"stdout\"\n    ],\n    \"extra\": {}\n}",
        merged.at("/data/settings.json").asText());

    ObjectNode patched = Overrides.applyToObject(configMap, List.of(
        field(Overrides.FIELD_JSON_PATCH, "/data/settings.json", "JSON", "- {op: replace, path: /sinks/0, value: file}")));
    assertEquals("file", json(patched.at("/data/settings.json").asText()).at("/sinks/0").asText());

    ObjectNode skipped = Overrides.applyToObject(configMap, List.of(
        field(Overrides.FIELD_JSON_PATCH, "/data/settings.json", "JSON", "[{\"op\":\"remove\",\"path\":\"/absent\"}]")));
    assertEquals(configMap, skipped);
  }

  @Test
  void fieldPatchesNeedAStringField() {
    ObjectNode configMap = json("{'kind':'ConfigMap','data':{'empty':'','n':{'x':1}}}");
    assertEquals(configMap, Overrides.applyToObject(configMap, List.of(
        field(Overrides.FIELD_MERGE_PATCH, "/data/empty", "YAML", "a: 1"))));
    OverrideException absent = assertThrows(OverrideException.class, () -> Overrides.applyToObject(configMap, List.of(
        field(Overrides.FIELD_MERGE_PATCH, "/data/absent", "YAML", "a: 1"))));
    assertEquals("override \"field-ov\" (FieldMergePatch) of Globalization glob: field /data/absent does not exist",
        absent.getMessage());
    OverrideException notString = assertThrows(OverrideException.class, () -> Overrides.applyToObject(configMap,
        List.of(field(Overrides.FIELD_MERGE_PATCH, "/data/n", "YAML", "a: 1"))));
    assertTrue(notString.getMessage().endsWith("field /data/n is not a string"), notString.getMessage());
    OverrideException badFormat = assertThrows(OverrideException.class, () -> Overrides.applyToObject(
        json("{'data':{'f':'a: 1'}}"), List.of(field(Overrides.FIELD_MERGE_PATCH, "/data/f", "TOML", "a: 2"))));
    assertTrue(badFormat.getMessage().contains("unsupported fieldFormat \"TOML\""), badFormat.getMessage());
    OverrideException badPath = assertThrows(OverrideException.class, () -> Overrides.applyToObject(configMap,
        List.of(field(Overrides.FIELD_MERGE_PATCH, "data/n", "YAML", "a: 1"))));
    assertTrue(badPath.getMessage().contains("should start with /"), badPath.getMessage());
  }

  private static ObjectNode helmChart() {
    return json("{'apiVersion':'apps.clusternet.io/v1alpha1','kind':'HelmChart','metadata':{'name':'redis','namespace':'demo'},"
        + "'spec':{'repo':'https://charts.example.com','chart':'redis','version':'1.0.0','targetNamespace':'cache'}}");
  }

  @Test
  void helmOverridesBuildTheValues() {
    ChartResult result = Overrides.applyToChart(helmChart(), List.of(
        override(Overrides.HELM, "replicaCount: 2\nimage: {tag: '7', pullPolicy: Always}\nmetrics: {enabled: true}"),
        override(Overrides.HELM, "{\"image\": {\"tag\": \"7.2\"}, \"metrics\": null, \"auth\": false}")));
    assertEquals(json("{'replicaCount':2,'image':{'tag':'7.2','pullPolicy':'Always'},'auth':false}"), result.values());
    assertEquals(helmChart(), result.chart());
  }

  @Test
  void theFirstValuesKeepTheirNullsForHelmToDropDefaults() {
    ChartResult result = Overrides.applyToChart(helmChart(), List.of(override(Overrides.HELM, "resources: null")));
    assertTrue(result.values().get("resources").isNull());
  }

  @Test
  void withoutValueOverridesThereAreNoValues() {
    ChartResult result = Overrides.applyToChart(helmChart(), List.of(
        override(Overrides.JSON_PATCH, "[{\"op\":\"add\",\"path\":\"/a\",\"value\":1}]")));
    assertNull(result.values());
  }

  @Test
  void mergeAndJsonPatchesApplyToValuesOnceThereAreSome() {
    ChartResult result = Overrides.applyToChart(helmChart(), List.of(
        override(Overrides.MERGE_PATCH, "a: {b: 1}"),
        override(Overrides.JSON_PATCH, "[{\"op\":\"add\",\"path\":\"/a/c\",\"value\":2}]"),
        override(Overrides.MERGE_PATCH, "a: {b: null}")));
    assertEquals(json("{'a':{'c':2}}"), result.values());
  }

  @Test
  void overrideChartChangesTheHelmChartButNotItsChartOrTargetNamespace() {
    ChartResult result = Overrides.applyToChart(helmChart(), List.of(
        chartOverride(Overrides.HELM, "spec: {version: 2.0.0, chart: other, targetNamespace: elsewhere, wait: true}"),
        chartOverride(Overrides.JSON_PATCH, "[{\"op\":\"replace\",\"path\":\"/spec/repo\",\"value\":\"oci://r.example.com\"}]"),
        override(Overrides.HELM, "a: 1")));
    ObjectNode expected = helmChart();
    ((ObjectNode) expected.get("spec")).put("repo", "oci://r.example.com").put("version", "2.0.0").put("wait", true);
    assertEquals(expected, result.chart());
    assertEquals(json("{'a':1}"), result.values());
  }

  @Test
  void coalesceFollowsHelm() {
    ObjectNode current = json("{'keep':1,'table':{'x':1,'y':2},'scalar':'s','gone':true}");
    ObjectNode override = json("{'table':{'y':3,'z':4},'scalar':{'now':'table'},'gone':null,'kept-null':null}");
    assertEquals(json("{'keep':1,'table':{'x':1,'y':3,'z':4},'scalar':{'now':'table'},'kept-null':null}"),
        Overrides.coalesce(override, current));
    assertEquals(json("{'keep':1,'table':'flat','scalar':'s','gone':true}"),
        Overrides.coalesce(json("{'table':'flat'}"), current));
  }

  @Test
  void helmValuesMustBeTables() {
    OverrideException e = assertThrows(OverrideException.class, () -> Overrides.applyToChart(helmChart(), List.of(
        override(Overrides.HELM, "a: 1"), override(Overrides.HELM, "[1, 2]"))));
    assertTrue(e.getMessage().contains("the value must be an object"), e.getMessage());
  }

  @Test
  void overridesAreReadFromAPolicy() {
    JsonNode localization = json("{'kind':'Localization','metadata':{'name':'loc','namespace':'clusternet-abc'},"
        + "'spec':{'overrides':[{'name':'a','type':'MergePatch','value':'x: 1'},"
        + "{'type':'Helm','value':{'y':2},'overrideChart':true},"
        + "{'name':'f','type':'FieldMergePatch','value':'z: 3','fieldPath':'/data/f','fieldFormat':'JSON'}]}}");
    List<Override> overrides = Override.of(localization);
    assertEquals(List.of(
        new Override("Localization clusternet-abc/loc", "a", "MergePatch", "x: 1", false, "", ""),
        new Override("Localization clusternet-abc/loc", "", "Helm", "{\"y\":2}", true, "", ""),
        new Override("Localization clusternet-abc/loc", "f", "FieldMergePatch", "z: 3", false, "/data/f", "JSON")),
        overrides);
    assertEquals("unnamed override (Helm) of Localization clusternet-abc/loc", overrides.get(1).describe());
    assertEquals("Globalization g", Override.of(json("{'kind':'Globalization','metadata':{'name':'g'},"
        + "'spec':{'overrides':[{'type':'Helm','value':'a: 1'}]}}")).get(0).origin());
  }

  @Test
  void aSkippedJsonPatchAnswersTheSameDocument() {
    JsonNode document = json("{'a':1}");
    assertSame(document, Overrides.jsonPatchSkippingMissing(document, LENIENT.valueToTree(
        List.of(json("{'op':'remove','path':'/b'}")))));
  }
}
