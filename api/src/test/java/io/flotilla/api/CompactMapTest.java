package io.flotilla.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompactMapTest {
  static Map<String, String> linked(String... keysAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  @Test
  void aSmallMapKeepsItsEntriesInOrderAndEqualsTheMapItCameFrom() {
    Map<String, String> given = linked("zone", "z-1", "region", "eu", "absent-value", null);
    Map<String, String> compact = CompactMap.of(given);

    assertInstanceOf(CompactMap.class, compact);
    assertEquals(List.of("zone", "region", "absent-value"), new ArrayList<>(compact.keySet()));
    assertEquals(given, compact);
    assertEquals(compact, given);
    assertEquals(given.hashCode(), compact.hashCode());
    assertEquals("eu", compact.get("region"));
    assertTrue(compact.containsKey("absent-value"));
    assertNull(compact.get("absent-value"));
    assertFalse(compact.containsKey("tier"));
    assertNull(compact.get(42));
    assertThrows(UnsupportedOperationException.class, () -> compact.put("tier", "core"));
    assertThrows(UnsupportedOperationException.class, () -> compact.entrySet().iterator().next().setValue("x"));
  }

  @Test
  void largeEmptyAndAbsentMapsAreLeftAsTheyAre() {
    Map<String, String> large = new LinkedHashMap<>();
    for (int i = 0; i <= CompactMap.MAX_ENTRIES; i++) {
      large.put("k" + i, "v" + i);
    }
    assertSame(large, CompactMap.of(large));
    CompactMap.shared(large);
    Map<String, String> equalLarge = new LinkedHashMap<>(large);
    assertSame(equalLarge, CompactMap.shared(equalLarge), "a large (mutable) map is never shared");
    assertSame(Map.of(), CompactMap.of(new LinkedHashMap<>()));
    assertNull(CompactMap.of(null));
    Map<String, String> compact = CompactMap.of(linked("a", "1"));
    assertSame(compact, CompactMap.of(compact));
  }

  @Test
  void aStatusKeptInMemoryHasItsResourcesCompactAndWritesThemBackInTheirOrder() throws Exception {
    String json = "{\"allocatable\":{\"memory\":\"48Gi\",\"cpu\":\"12\"},\"capacity\":{\"pods\":\"110\"}}";
    ManagedCluster.ClusterStatus read = Json.MAPPER.readValue(json.getBytes(StandardCharsets.UTF_8),
        ManagedCluster.ClusterStatus.class);
    ManagedCluster.ClusterStatus kept = read.compact();

    assertEquals(read, kept);
    assertInstanceOf(CompactMap.class, kept.allocatable());
    assertInstanceOf(CompactMap.class, kept.capacity());
    assertSame(kept, kept.compact());
    assertEquals(json, new String(Json.write(kept), StandardCharsets.UTF_8));
  }

  @Test
  void clustersOnTheSameKindOfBoxKeepOneInstanceOfTheirResourcesNodesAndHeartbeat() throws Exception {
    String json = "{\"allocatable\":{\"cpu\":\"3800m\"},\"capacity\":{\"cpu\":\"4\"},"
        + "\"nodeStatistics\":{\"readyNodes\":1},\"heartbeatFrequencySeconds\":180}";
    ManagedCluster.ClusterStatus one = Json.MAPPER.readValue(json.getBytes(StandardCharsets.UTF_8),
        ManagedCluster.ClusterStatus.class).compact();
    ManagedCluster.ClusterStatus other = Json.MAPPER.readValue(json.getBytes(StandardCharsets.UTF_8),
        ManagedCluster.ClusterStatus.class).compact();

    assertSame(one.allocatable(), other.allocatable());
    assertSame(one.capacity(), other.capacity());
    assertSame(one.nodeStatistics(), other.nodeStatistics());
    assertSame(one.heartbeatFrequencySeconds(), other.heartbeatFrequencySeconds());
    assertEquals(Map.of("cpu", "3800m"), one.allocatable());
  }
}
