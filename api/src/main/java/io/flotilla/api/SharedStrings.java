package io.flotilla.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;

/**
 * A Jackson module whose short String values are {@link SharedValues}: equal ones read anywhere are
 * one instance. Long values (tokens, messages with names in them) are rarely repeated and are not
 * looked up.
 *
 * <p>Registered on {@link Json#MAPPER} and, by {@code akka.serialization.jackson.jackson-modules},
 * on Akka's CBOR mapper (events and states read from the journal).
 */
public final class SharedStrings extends SimpleModule {
  /** Values longer than this are rarely repeated (tokens, messages with names in them): not looked up. */
  static final int MAX_LENGTH = 64;

  public SharedStrings() {
    super("SharedStrings");
    addDeserializer(String.class, new Deserializer());
  }

  /** The shared instance equal to {@code value}, if one is cached; else {@code value}, now cached. */
  static String shared(String value) {
    return value == null || value.length() > MAX_LENGTH ? value : SharedValues.shared(value);
  }

  /**
   * Makes {@code value} the instance that equal values read from now on share, for as long as it
   * keeps its slot: a running entity's ID, so the IDs in the events its recovery reads are that
   * instance, not a copy of it.
   */
  public static void offer(String value) {
    if (value != null && value.length() <= MAX_LENGTH) {
      SharedValues.offer(value);
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
