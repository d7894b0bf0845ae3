package io.flotilla.hub.objects.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.StatusException;
import io.flotilla.hub.security.TokenCipher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Predicate;

/**
 * Secrets: data (with stringData folded in, as kube does) is stored only AES-256-GCM-encrypted
 * with the hub's key, in one field; so is kubectl's last-applied-configuration annotation, which
 * repeats the data as the user wrote it. Clients see both as usual.
 */
public final class SecretCodec implements ObjectCodec {
  static final String ENCRYPTED_DATA = "flotilla.io/encryptedData";
  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
  private static final String ENCRYPTED_PREFIX = "flotilla.io/encrypted:";

  private final TokenCipher cipher;

  public SecretCodec(TokenCipher cipher) {
    this.cipher = cipher;
  }

  @Override
  public ObjectNode toStored(ObjectNode object, ObjectNode storedBefore) {
    ObjectNode stored = object.deepCopy();
    JsonNode stringData = stored.remove("stringData");
    if (stringData != null && stringData.isObject()) {
      ObjectNode data = stored.withObjectProperty("data");
      stringData.fields().forEachRemaining(entry -> data.put(entry.getKey(),
          Base64.getEncoder().encodeToString(entry.getValue().asText().getBytes(StandardCharsets.UTF_8))));
    }
    JsonNode data = stored.remove("data");
    if (data != null && !data.isNull() && !data.isEmpty()) {
      data.fields().forEachRemaining(entry -> {
        try {
          Base64.getDecoder().decode(entry.getValue().asText());
        } catch (IllegalArgumentException e) {
          throw StatusException.badRequest("illegal base64 data in data[" + entry.getKey() + "]: " + e.getMessage());
        }
      });
      String before = storedBefore == null ? null : storedBefore.path(ENCRYPTED_DATA).textValue();
      stored.put(ENCRYPTED_DATA, encrypt(Json.writeString(data), before, plain -> data.equals(tree(plain))));
    }
    JsonNode lastApplied = stored.path("metadata").path("annotations").get(LAST_APPLIED);
    if (lastApplied != null && lastApplied.isTextual()) {
      String before = storedBefore == null ? null
          : storedBefore.path("metadata").path("annotations").path(LAST_APPLIED).textValue();
      String beforeCipher = before != null && before.startsWith(ENCRYPTED_PREFIX)
          ? before.substring(ENCRYPTED_PREFIX.length()) : null;
      ((ObjectNode) stored.get("metadata").get("annotations")).put(LAST_APPLIED,
          ENCRYPTED_PREFIX + encrypt(lastApplied.asText(), beforeCipher, lastApplied.asText()::equals));
    }
    return stored;
  }

  @Override
  public ObjectNode fromStored(ObjectNode stored) {
    ObjectNode object = stored.deepCopy();
    JsonNode data = object.remove(ENCRYPTED_DATA);
    if (data != null) {
      object.set("data", tree(cipher.decrypt(data.asText())));
    }
    JsonNode lastApplied = object.path("metadata").path("annotations").get(LAST_APPLIED);
    if (lastApplied != null && lastApplied.asText().startsWith(ENCRYPTED_PREFIX)) {
      ((ObjectNode) object.get("metadata").get("annotations")).put(LAST_APPLIED,
          cipher.decrypt(lastApplied.asText().substring(ENCRYPTED_PREFIX.length())));
    }
    return object;
  }

  /** GCM ciphertexts differ every time: an unchanged value keeps its old one, so a no-op write stays one. */
  private String encrypt(String plain, String beforeCipher, Predicate<String> sameAsPlain) {
    return beforeCipher != null && sameAsPlain.test(cipher.decrypt(beforeCipher)) ? beforeCipher : cipher.encrypt(plain);
  }

  private static JsonNode tree(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException("stored secret data is not JSON", e);
    }
  }
}
