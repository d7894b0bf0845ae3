package io.flotilla.hub.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.hub.objects.ObjectEntity;
import io.flotilla.hub.objects.ObjectStore;
import io.flotilla.hub.objects.kinds.SecretCodec;
import io.flotilla.hub.security.Secrets;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bootstrap tokens kept the Kubernetes way (and Clusternet's walkthrough way): a Secret
 * {@code kube-system/bootstrap-token-<token-id>} of type {@code bootstrap.kubernetes.io/token}
 * with {@code token-id}, {@code token-secret}, {@code usage-bootstrap-authentication: "true"} and
 * an optional RFC 3339 {@code expiration}. Deleting the Secret or passing its expiration revokes
 * the token for new registrations; clusters registered with it keep their own tokens.
 */
public final class BootstrapTokenSecrets {
  public static final String NAMESPACE = "kube-system";
  public static final String TYPE = "bootstrap.kubernetes.io/token";
  /** kube's bootstrap token shape: `[a-z0-9]{6}.[a-z0-9]{16}`. */
  private static final Pattern SHAPE = Pattern.compile("([a-z0-9]{6})\\.([a-z0-9]{16})");

  private final ObjectStore store;
  private final SecretCodec codec;
  private final Clock clock;

  public BootstrapTokenSecrets(ObjectStore store, SecretCodec codec, Clock clock) {
    this.store = store;
    this.codec = codec;
    this.clock = clock;
  }

  /** Whether this token shape could be a bootstrap token (others never cost a lookup). */
  public static boolean looksLikeOne(String token) {
    return SHAPE.matcher(token).matches();
  }

  /** Completes true when a valid, unexpired bootstrap-token Secret holds exactly this token. */
  public CompletionStage<Boolean> valid(String token) {
    Matcher m = SHAPE.matcher(token);
    if (!m.matches()) {
      return CompletableFuture.completedFuture(false);
    }
    String id = m.group(1);
    String secret = m.group(2);
    return store.ask(ObjectEntity.key("", "secrets", NAMESPACE, "bootstrap-token-" + id), ObjectEntity.Get::new)
        .thenApply(reply -> reply instanceof ObjectEntity.Found found
            && valid(codec.fromStored(ObjectEntity.parseObject(found.object())), id, secret));
  }

  private boolean valid(JsonNode secretObject, String id, String secret) {
    JsonNode data = secretObject.path("data");
    if (!TYPE.equals(secretObject.path("type").asText()) || secretObject.path("metadata").has("deletionTimestamp")) {
      return false;
    }
    String expiration = decoded(data, "expiration");
    if (expiration != null) {
      try {
        if (!Instant.parse(expiration).isAfter(clock.instant())) {
          return false;
        }
      } catch (DateTimeParseException e) {
        return false; // kube treats an unparsable expiration as expired
      }
    }
    return id.equals(decoded(data, "token-id")) && "true".equals(decoded(data, "usage-bootstrap-authentication"))
        && Secrets.constantTimeEquals(secret, String.valueOf(decoded(data, "token-secret")));
  }

  /** A field of a Secret's data, base64-decoded; null when absent or not base64. */
  public static String decoded(JsonNode data, String field) {
    JsonNode value = data.get(field);
    if (value == null || !value.isTextual()) {
      return null;
    }
    try {
      return new String(Base64.getDecoder().decode(value.asText()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
