package io.flotilla.k8s.deployer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import org.junit.jupiter.api.Test;

/** The three-way merge behind every update of the Generic deployer. */
class GenericThreeWayMergePatchTest {

  @Test
  void anUnchangedObjectNeedsNoPatchWhateverTheServerAdded() {
    ObjectNode desired = json("""
        {"spec": {"replicas": 3, "containers": [{"name": "web", "image": "nginx"}]}}""");
    ObjectNode live = json("""
        {"metadata": {"uid": "u1"}, "status": {"ready": 3},
         "spec": {"replicas": 3, "paused": false,
                  "containers": [{"name": "web", "image": "nginx", "imagePullPolicy": "IfNotPresent"}]}}""");

    assertEquals(json("{}"), ThreeWayMergePatch.between(desired, desired, live));
  }

  @Test
  void removesWhatTheLastApplySetAndKeepsWhatOthersAdded() {
    ObjectNode lastApplied = json("""
        {"metadata": {"labels": {"app": "web", "tier": "frontend"}}}""");
    ObjectNode desired = json("""
        {"metadata": {"labels": {"app": "web"}}}""");
    ObjectNode live = json("""
        {"metadata": {"labels": {"app": "web", "tier": "frontend", "owner": "alice"}}}""");

    assertEquals(json("""
        {"metadata": {"labels": {"tier": null}}}"""), ThreeWayMergePatch.between(lastApplied, desired, live));
  }

  @Test
  void setsWhatDiffersFromTheLiveObject() {
    ObjectNode desired = json("""
        {"spec": {"replicas": 5, "strategy": {"type": "Recreate"}}}""");
    ObjectNode live = json("""
        {"spec": {"replicas": 3}}""");

    assertEquals(desired, ThreeWayMergePatch.between(desired, desired, live));
  }

  @Test
  void aListIsReplacedWholeWhenTheDescriptionChangedItOrTheChildLostPartOfIt() {
    ObjectNode lastApplied = json("""
        {"spec": {"ports": [{"port": 80, "name": "http"}]}}""");
    ObjectNode desired = json("""
        {"spec": {"ports": [{"port": 80}]}}""");
    ObjectNode defaulted = json("""
        {"spec": {"ports": [{"port": 80, "name": "http", "protocol": "TCP"}]}}""");

    assertEquals(desired, ThreeWayMergePatch.between(lastApplied, desired, defaulted),
        "a field removed inside an element needs the whole list");
    assertEquals(desired, ThreeWayMergePatch.between(desired, desired, json("""
        {"spec": {"ports": [{"port": 81}]}}""")), "drift in the child is undone");
    assertEquals(json("{}"), ThreeWayMergePatch.between(lastApplied, desired, desired),
        "a live list that already matches is not sent again");
  }

  @Test
  void anAdoptedObjectLosesNothing() {
    ObjectNode desired = json("""
        {"metadata": {"labels": {"app": "web"}}}""");
    ObjectNode live = json("""
        {"metadata": {"labels": {"made-by": "hand"}}, "data": {"a": "1"}}""");

    assertEquals(json("""
        {"metadata": {"labels": {"app": "web"}}}"""), ThreeWayMergePatch.between(null, desired, live));
  }

  private static ObjectNode json(String text) {
    try {
      JsonNode node = Json.MAPPER.readTree(text);
      return (ObjectNode) node;
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }
}
