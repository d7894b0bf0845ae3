package io.flotilla.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import java.util.stream.Collectors;

/** The wire JSON of the API: one mapper, and typed reads that name the offending field. */
public final class Json {
  public static final ObjectMapper MAPPER = JsonMapper.builder()
      // as kube-apiserver without fieldValidation=Strict: unknown fields are dropped, not fatal
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .addModule(new SharedStrings())
      .build();

  private Json() {}

  /** Parses a request body; malformed JSON is a 400 that says where. */
  public static JsonNode parse(byte[] body) {
    return parse(body, false);
  }

  /** Parses a JSON patch (RFC 6902) body: an array of operations. */
  public static JsonNode parsePatch(byte[] body) {
    return parse(body, true);
  }

  private static JsonNode parse(byte[] body, boolean array) {
    String expected = array ? "a JSON array" : "a JSON object";
    if (body.length == 0) {
      throw StatusException.badRequest("request body is empty; expected " + expected);
    }
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || (array ? !node.isArray() : !node.isObject())) {
        throw StatusException.badRequest("request body must be " + expected);
      }
      return node;
    } catch (JsonProcessingException e) {
      // limits (nesting depth, string length) are reported without a location
      throw StatusException.badRequest("malformed JSON: " + e.getOriginalMessage() + (e.getLocation() == null ? ""
          : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()));
    } catch (java.io.IOException e) {
      throw StatusException.badRequest("unreadable request body: " + e.getMessage());
    }
  }

  /** Converts a parsed body to an API record; a value of the wrong type is a 400 naming its field. */
  public static <T> T convert(JsonNode node, Class<T> type) {
    try {
      return MAPPER.treeToValue(node, type);
    } catch (JsonMappingException e) {
      throw StatusException.badRequest("invalid value for field " + fieldPath(e.getPath()) + ": "
          + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw StatusException.badRequest("invalid object: " + e.getOriginalMessage());
    }
  }

  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
    }
  }

  public static String writeString(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
    }
  }

  public static <T> T read(String json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON of " + type.getSimpleName() + " is unreadable", e);
    }
  }

  static String fieldPath(List<JsonMappingException.Reference> path) {
    return path.stream()
        .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining())
        .replaceFirst("^\\.", "");
  }
}
