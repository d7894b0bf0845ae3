package io.flotilla.k8s.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Runtime;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads request bodies in Kubernetes' protobuf encoding ({@code application/vnd.kubernetes.protobuf}: the magic
 * {@code k8s\0}, then a runtime.Unknown holding the object's apiVersion/kind and its message) into the JSON
 * objects the store keeps. Typed Go clients send built-in kinds this way (Helm's release storage writes its
 * Secrets so); the messages' schemas come from client-java-proto, so every kind it carries is understood and
 * others stay 415 as in kube for kinds without protobuf. Field names in Kubernetes' .proto files are the JSON
 * names; the conversions that differ from plain protobuf-to-JSON are those of kube's Go types: Time and
 * MicroTime as RFC 3339 (zero time absent), Quantity as its string, IntOrString as a number or a string,
 * RawExtension as the embedded JSON, bytes as base64, and Go's always-written empty strings left out
 * ({@code omitempty}).
 */
final class ProtobufBodies {

  static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

  private static final byte[] MAGIC = {'k', '8', 's', 0};
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";
  /** Options kinds that clients also send under the core group-version {@code v1}. */
  private static final Set<String> META_KINDS = Set.of("DeleteOptions", "CreateOptions", "UpdateOptions",
      "PatchOptions", "ListOptions", "GetOptions");
  private static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX").withZone(ZoneOffset.UTC);

  private ProtobufBodies() {
  }

  /**
   * The body as a JSON object, or empty when the kind is not one client-java-proto describes (the caller answers
   * 415 then); a malformed body is a 400.
   */
  static Optional<ObjectNode> decode(byte[] body) {
    if (body.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(body, MAGIC.length), MAGIC)) {
      throw StatusError.badRequest("the protobuf request body does not start with the Kubernetes magic k8s\\0");
    }
    Runtime.Unknown unknown;
    try {
      unknown = Runtime.Unknown.parseFrom(Arrays.copyOfRange(body, MAGIC.length, body.length));
    } catch (InvalidProtocolBufferException e) {
      throw StatusError.badRequest("the protobuf request body is malformed: " + e.getMessage());
    }
    String apiVersion = unknown.getTypeMeta().getApiVersion();
    String kind = unknown.getTypeMeta().getKind();
    Optional<Descriptor> type = messageType(apiVersion, kind);
    if (type.isEmpty()) {
      return Optional.empty();
    }
    DynamicMessage message;
    try {
      message = DynamicMessage.parseFrom(type.get(), unknown.getRaw());
    } catch (InvalidProtocolBufferException e) {
      throw StatusError.badRequest("the protobuf " + kind + " is malformed: " + e.getMessage());
    }
    ObjectNode object = NODES.objectNode();
    object.put("apiVersion", apiVersion);
    object.put("kind", kind);
    object.setAll(toJson(message));
    return Optional.of(object);
  }

  /**
   * client-java-proto names its outer classes after the group-version: {@code V1} for core/v1, else the version
   * and the group's first label ({@code apps/v1} → V1Apps, {@code rbac.authorization.k8s.io/v1} → V1Rbac);
   * meta.k8s.io's kinds (DeleteOptions with a DELETE) are in {@code Meta}.
   */
  static Optional<Descriptor> messageType(String apiVersion, String kind) {
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? "" : apiVersion.substring(0, slash);
    String version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
    if (version.isEmpty() || kind.isEmpty()) {
      return Optional.empty();
    }
    if (group.equals("meta.k8s.io") || group.isEmpty() && META_KINDS.contains(kind)) {
      return Optional.ofNullable(Meta.getDescriptor().findMessageTypeByName(kind));
    }
    String outer = capitalize(version);
    if (!group.isEmpty()) {
      outer += capitalize(group.split("\\.")[0]);
    }
    try {
      Class<?> file = Class.forName("io.kubernetes.client.proto." + outer);
      FileDescriptor descriptor = (FileDescriptor) file.getMethod("getDescriptor").invoke(null);
      return Optional.ofNullable(descriptor.findMessageTypeByName(kind));
    } catch (ReflectiveOperationException | ClassCastException e) {
      return Optional.empty();
    }
  }

  private static String capitalize(String text) {
    return text.substring(0, 1).toUpperCase(Locale.ROOT) + text.substring(1);
  }

  private static ObjectNode toJson(Message message) {
    ObjectNode object = NODES.objectNode();
    for (Map.Entry<FieldDescriptor, Object> entry : message.getAllFields().entrySet()) {
      FieldDescriptor field = entry.getKey();
      if (field.isMapField()) {
        ObjectNode map = object.putObject(field.getName());
        for (Object item : (List<?>) entry.getValue()) {
          Message pair = (Message) item;
          FieldDescriptor key = pair.getDescriptorForType().findFieldByName("key");
          FieldDescriptor value = pair.getDescriptorForType().findFieldByName("value");
          JsonNode converted = value(value, pair.getField(value));
          map.set(String.valueOf(pair.getField(key)), converted == null ? NODES.nullNode() : converted);
        }
      } else if (field.isRepeated()) {
        ArrayNode array = object.putArray(field.getName());
        for (Object item : (List<?>) entry.getValue()) {
          JsonNode converted = value(field, item);
          array.add(converted == null ? NODES.nullNode() : converted);
        }
      } else {
        JsonNode converted = value(field, entry.getValue());
        if (converted != null && !(converted.isTextual() && converted.asText().isEmpty())) {
          object.set(field.getName(), converted);
        }
      }
    }
    return object;
  }

  /** One value; null for a zero Time, which Go's JSON writes as null and omits. */
  private static JsonNode value(FieldDescriptor field, Object value) {
    return switch (field.getJavaType()) {
      case STRING -> NODES.textNode((String) value);
      case BOOLEAN -> NODES.booleanNode((Boolean) value);
      case INT -> NODES.numberNode((Integer) value);
      case LONG -> NODES.numberNode((Long) value);
      case FLOAT -> NODES.numberNode((Float) value);
      case DOUBLE -> NODES.numberNode((Double) value);
      case BYTE_STRING -> NODES.textNode(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
      case ENUM -> NODES.textNode(String.valueOf(value));
      case MESSAGE -> message((Message) value);
    };
  }

  private static JsonNode message(Message message) {
    String type = message.getDescriptorForType().getFullName();
    switch (type) {
      case META + "Time", META + "MicroTime" -> {
        long seconds = longField(message, "seconds");
        int nanos = (int) longField(message, "nanos");
        if (seconds == 0 && nanos == 0) {
          return null;
        }
        Instant instant = Instant.ofEpochSecond(seconds, nanos);
        return NODES.textNode(type.endsWith("MicroTime") ? MICRO_TIME.format(instant)
            : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
      }
      case "k8s.io.apimachinery.pkg.api.resource.Quantity" -> {
        return NODES.textNode(stringField(message, "string"));
      }
      case "k8s.io.apimachinery.pkg.util.intstr.IntOrString" -> {
        return longField(message, "type") == 1 ? NODES.textNode(stringField(message, "strVal"))
            : NODES.numberNode((int) longField(message, "intVal"));
      }
      case "k8s.io.apimachinery.pkg.runtime.RawExtension" -> {
        ByteString raw = (ByteString) message.getField(message.getDescriptorForType().findFieldByName("raw"));
        if (raw.isEmpty()) {
          return NODES.nullNode();
        }
        try {
          return JSON.readTree(raw.toByteArray());
        } catch (IOException e) {
          throw StatusError.badRequest("an embedded object in the protobuf body is not JSON: " + e.getMessage());
        }
      }
      default -> {
        return toJson(message);
      }
    }
  }

  private static long longField(Message message, String name) {
    FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
    return field == null ? 0 : ((Number) message.getField(field)).longValue();
  }

  private static String stringField(Message message, String name) {
    FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
    return field == null ? "" : (String) message.getField(field);
  }
}
