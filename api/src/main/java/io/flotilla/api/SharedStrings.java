package io.flotilla.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;

/**
 * A Jackson module whose String values are shared between objects when they are equal and short:
 * a million clusters' states repeat the same few thousand values (Kubernetes versions, platforms,
 * quantities, sync modes, label values), and each read would otherwise keep its own copy. The
 * cache is direct-mapped and bounded: a value that is not repeated just takes a slot until another
 * needs it, so unique values (IDs, tokens) cost nothing but a hash. Racy by design: slots hold
 * immutable Strings, and a lost update only costs a copy.
 *
 * <p>Registered on {@link Json#MAPPER} and, by {@code akka.serialization.jackson.jackson-modules},
 * on Akka's CBOR mapper (events and states read from the journal).
 */
public final class SharedStrings extends SimpleModule {
  /** Values longer than this are rarely repeated (tokens, messages with names in them): not looked up. */
  static final int MAX_LENGTH = 64;
  private static final String[] SLOTS = new String[1 << 14];

  public SharedStrings() {
    super("SharedStrings");
    addDeserializer(String.class, new Deserializer());
  }

  /** The shared instance equal to {@code value}, if one is cached; else {@code value}, now cached. */
  static String shared(String value) {
    if (value == null || value.length() > MAX_LENGTH) {
      return value;
    }
    int slot = value.hashCode() & (SLOTS.length - 1);
    String cached = SLOTS[slot];
    if (value.equals(cached)) {
      return cached;
    }
    SLOTS[slot] = value;
    return value;
  }

  /**
   * Makes {@code value} the instance that equal values read from now on share, for as long as it
   * keeps its slot: a running entity's ID, so the IDs in the events its recovery reads are that
   * instance, not a copy of it.
   */
  public static void offer(String value) {
    if (value != null && value.length() <= MAX_LENGTH) {
      SLOTS[value.hashCode() & (SLOTS.length - 1)] = value;
    }
  }

  private static final class Deserializer extends StdScalarDeserializer<String> {
    Deserializer() {
      super(String.class);
    }

    @Override
    public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
      return shared(StringDeserializer.instance.deserialize(parser, context));
    }
  }
}
