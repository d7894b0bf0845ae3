package io.flotilla.api;

import com.fasterxml.jackson.databind.util.StdConverter;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An immutable map of a few string entries held in one array, in the order given. A running
 * cluster keeps its labels and its reported resources (allocatable, capacity) in memory, a million
 * times over: Jackson reads each into a LinkedHashMap (a hash table, an entry object per key and a
 * cached entry set, ~230 bytes for two entries), this holds the same in ~60. Lookups scan the
 * array, so only small maps are made compact; larger ones stay as given.
 */
public final class CompactMap extends AbstractMap<String, String> {
  /** Beyond this many entries a scan costs more than a hash lookup saves in memory. */
  static final int MAX_ENTRIES = 16;

  private final String[] keysAndValues;

  private CompactMap(String[] keysAndValues) {
    this.keysAndValues = keysAndValues;
  }

  /** {@code map} as a compact map if it is small, else as it is (null stays null). */
  public static Map<String, String> of(Map<String, String> map) {
    if (map == null || map instanceof CompactMap || map.size() > MAX_ENTRIES) {
      return map;
    }
    if (map.isEmpty()) {
      return Map.of();
    }
    String[] keysAndValues = new String[map.size() * 2];
    int i = 0;
    for (Map.Entry<String, String> entry : map.entrySet()) {
      keysAndValues[i++] = entry.getKey();
      keysAndValues[i++] = entry.getValue();
    }
    return new CompactMap(keysAndValues);
  }

  /**
   * {@code map} as {@link #of} makes it, and then, if compact (immutable), the {@link SharedValues}
   * instance equal to it; a large map stays as given and its own.
   */
  public static Map<String, String> shared(Map<String, String> map) {
    Map<String, String> compact = of(map);
    return compact instanceof CompactMap ? SharedValues.shared(compact) : compact;
  }

  @Override
  public int size() {
    return keysAndValues.length / 2;
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public String get(Object key) {
    int index = indexOf(key);
    return index < 0 ? null : keysAndValues[index + 1];
  }

  private int indexOf(Object key) {
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (keysAndValues[i].equals(key)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public Set<Map.Entry<String, String>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return CompactMap.this.size();
      }

      @Override
      public Iterator<Map.Entry<String, String>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < keysAndValues.length;
          }

          @Override
          public Map.Entry<String, String> next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            Map.Entry<String, String> entry = new SimpleImmutableEntry<>(keysAndValues[next], keysAndValues[next + 1]);
            next += 2;
            return entry;
          }
        };
      }
    };
  }

  /** For {@code @JsonDeserialize(converter = CompactMap.FromJson.class)} on a map a running entity keeps. */
  public static final class FromJson extends StdConverter<Map<String, String>, Map<String, String>> {
    @Override
    public Map<String, String> convert(Map<String, String> value) {
      return of(value);
    }
  }
}
