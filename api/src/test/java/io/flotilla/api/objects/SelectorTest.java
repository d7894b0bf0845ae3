package io.flotilla.api.objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SelectorTest {

  private static final Map<String, String> LABELS =
      Map.of("app", "web", "tier", "edge", "app.kubernetes.io/name", "shop", "empty", "");

  private static boolean labels(String selector) {
    return Selector.parseLabels(selector).matches(LABELS::get);
  }

  @Test
  void equalityOperators() {
    assertTrue(labels("app=web"));
    assertTrue(labels("app==web"));
    assertTrue(labels("app!=db"));
    assertTrue(labels("missing!=x"), "!= matches objects without the label");
    assertFalse(labels("app=db"));
    assertFalse(labels("app!=web"));
    assertTrue(labels("app.kubernetes.io/name=shop"));
    assertTrue(labels("empty="), "an empty value selects the empty label");
    assertFalse(labels("missing="));
  }

  @Test
  void setOperators() {
    assertTrue(labels("tier in (edge, core)"));
    assertFalse(labels("tier in (core)"));
    assertTrue(labels("tier notin (core,backend)"));
    assertFalse(labels("tier notin (edge)"));
    assertTrue(labels("missing notin (x)"), "notin matches objects without the label");
    assertFalse(labels("missing in (x)"));
  }

  @Test
  void existence() {
    assertTrue(labels("app"));
    assertTrue(labels("!missing"));
    assertFalse(labels("missing"));
    assertFalse(labels("!app"));
  }

  @Test
  void requirementsAreAnded() {
    assertTrue(labels("app=web, tier in (edge),!missing,empty"));
    assertFalse(labels("app=web,tier=core"));
    assertTrue(labels(""), "the empty selector selects everything");
    assertTrue(Selector.parseLabels(null).isEmpty());
  }

  @Test
  void parsesIntoRequirements() {
    Selector selector = Selector.parseLabels("a in (x,y),b notin (z),c!=d,!e");
    assertEquals(4, selector.requirements().size());
    assertEquals(new Selector.Requirement("a", Selector.Operator.IN, Set.of("x", "y")),
        selector.requirements().get(0));
    assertEquals(Selector.Operator.DOES_NOT_EXIST, selector.requirements().get(3).operator());
  }

  @Test
  void rejectsMalformedSelectors() {
    for (String bad : new String[] {"a in x", "a in (x", "=b", "a=b=c", "a b", "a=(b)", "Bad Key=1", "!", "a,"}) {
      assertThrows(IllegalArgumentException.class, () -> Selector.parseLabels(bad), bad);
    }
  }

  @Test
  void fieldSelectors() {
    Map<String, String> fields = Map.of("metadata.name", "web-1", "spec.nodeName", "", "status.phase", "Running");
    assertTrue(Selector.parseFields("metadata.name=web-1").matches(fields::get));
    assertTrue(Selector.parseFields("metadata.name==web-1,status.phase!=Pending").matches(fields::get));
    assertTrue(Selector.parseFields("spec.nodeName=").matches(fields::get), "unscheduled pods have nodeName ''");
    assertFalse(Selector.parseFields("status.phase=Pending").matches(fields::get));
    assertThrows(IllegalArgumentException.class, () -> Selector.parseFields("metadata.name"));
  }

  private static JsonNode json(String text) throws Exception {
    return new ObjectMapper().readTree(text);
  }

  private static boolean labelSelector(String json) throws Exception {
    return Selector.fromLabelSelector(json(json)).matches(LABELS::get);
  }

  @Test
  void labelSelectorObjects() throws Exception {
    assertTrue(labelSelector("{\"matchLabels\":{\"app\":\"web\",\"tier\":\"edge\"}}"));
    assertFalse(labelSelector("{\"matchLabels\":{\"app\":\"web\",\"tier\":\"core\"}}"));
    assertTrue(labelSelector("{\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"In\",\"values\":[\"edge\",\"core\"]}]}"));
    assertFalse(labelSelector("{\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"NotIn\",\"values\":[\"edge\"]}]}"));
    assertTrue(labelSelector("{\"matchExpressions\":[{\"key\":\"missing\",\"operator\":\"NotIn\",\"values\":[\"x\"]}]}"));
    assertTrue(labelSelector("{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"Exists\"},"
        + "{\"key\":\"missing\",\"operator\":\"DoesNotExist\"}]}"));
    assertFalse(labelSelector("{\"matchLabels\":{\"app\":\"web\"},"
        + "\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"DoesNotExist\"}]}"), "matchLabels and expressions are ANDed");
  }

  @Test
  void emptyOrAbsentLabelSelectorSelectsEverything() throws Exception {
    assertTrue(Selector.fromLabelSelector(json("{}")).isEmpty());
    assertTrue(Selector.fromLabelSelector(json("{\"matchLabels\":{},\"matchExpressions\":[]}")).isEmpty());
    assertTrue(Selector.fromLabelSelector(null).isEmpty());
    assertTrue(Selector.fromLabelSelector(MissingNode.getInstance()).isEmpty());
  }

  @Test
  void rejectsMalformedLabelSelectors() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Selector.fromLabelSelector(
        json("{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"Equals\",\"values\":[\"web\"]}]}")));
    assertEquals("\"Equals\" is not a valid label selector operator", e.getMessage());
    for (String bad : new String[] {
        "{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"In\",\"values\":[]}]}",
        "{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"Exists\",\"values\":[\"x\"]}]}",
        "{\"matchExpressions\":[{\"key\":\"bad key\",\"operator\":\"Exists\"}]}",
        "{\"matchLabels\":{\"app\":\"not valid!\"}}"}) {
      assertThrows(IllegalArgumentException.class, () -> Selector.fromLabelSelector(json(bad)), bad);
    }
  }
}
