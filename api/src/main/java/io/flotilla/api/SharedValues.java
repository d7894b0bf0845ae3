package io.flotilla.api;

/**
 * One instance of equal immutable values for all that keep them: a million clusters' states repeat
 * the same few thousand values (Kubernetes versions, quantities, label values, the resources of the
 * few kinds of box a fleet runs on), and each read would otherwise keep its own copy. The table is
 * direct-mapped and bounded: a value that is not repeated just takes a slot until another needs it,
 * so unique values cost nothing but a hash. Racy by design: slots hold immutable values (final
 * fields), and a lost update only costs a copy.
 */
public final class SharedValues {
  private static final Object[] SLOTS = new Object[1 << 14];

  private SharedValues() {}

  /** The shared instance equal to {@code value}, if one is in its slot; else {@code value}, now in it. */
  @SuppressWarnings("unchecked")
  public static <T> T shared(T value) {
    if (value == null) {
      return null;
    }
    int slot = slotOf(value);
    Object cached = SLOTS[slot];
    if (value.equals(cached)) {
      return (T) cached;
    }
    SLOTS[slot] = value;
    return value;
  }

  /** Makes {@code value} the instance that equal values looked up next share, for as long as it keeps its slot. */
  public static void offer(Object value) {
    if (value != null) {
      SLOTS[slotOf(value)] = value;
    }
  }

  private static int slotOf(Object value) {
    int hash = value.hashCode();
    return (hash ^ (hash >>> 16)) & (SLOTS.length - 1);
  }
}
