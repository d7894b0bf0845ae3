package io.flotilla.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SharedStringsTest {
  static ManagedCluster.ClusterStatus read(String json) throws Exception {
    return Json.MAPPER.readValue(json.getBytes(StandardCharsets.UTF_8), ManagedCluster.ClusterStatus.class);
  }

  @Test
  void equalShortValuesReadTwiceAreOneInstance() throws Exception {
    String longVersion = "v1.30.2-" + "x".repeat(SharedStrings.MAX_LENGTH);
    String json = "{\"k8sVersion\":\"v1.30.2\",\"platform\":\"" + longVersion + "\",\"allocatable\":{\"cpu\":\"12\"}}";
    ManagedCluster.ClusterStatus first = read(json);
    ManagedCluster.ClusterStatus second = read(json);

    assertEquals(first, second);
    assertSame(first.k8sVersion(), second.k8sVersion());
    assertSame(first.allocatable().get("cpu"), second.allocatable().get("cpu"), "map values too");
    assertNotSame(first.platform(), second.platform(), "long values are not looked up");
  }

  @Test
  void anOfferedValueIsTheOneThatEqualValuesReadNextShare() throws Exception {
    String id = new String("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b");
    SharedStrings.offer(id);
    assertSame(id, read("{\"k8sVersion\":\"3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b\"}").k8sVersion());
  }

  @Test
  void aSlotTakenByAnotherValueNeverAnswersIt() {
    // "Aa" and "BB" share a hash code, so a slot
    assertEquals("Aa", SharedStrings.shared(new String("Aa")));
    assertEquals("BB", SharedStrings.shared(new String("BB")));
    assertEquals("Aa", SharedStrings.shared(new String("Aa")));
  }
}
