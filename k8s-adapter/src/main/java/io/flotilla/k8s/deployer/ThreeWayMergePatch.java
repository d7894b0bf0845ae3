package io.flotilla.k8s.deployer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * kubectl apply's three-way merge as a JSON merge patch (client-go's CreateThreeWayJSONMergePatch): from the
 * last applied configuration, the desired object and the live one, the patch that
 * <ul>
 *   <li>removes fields the last apply set and the desired object no longer has,</li>
 *   <li>sets fields whose desired value differs from the live one,</li>
 *   <li>leaves alone everything else: fields others added in the child survive.</li>
 * </ul>
 * Lists are replaced whole (merge patch has no list merging). A list is sent when the desired list changed
 * since the last apply or the live one does not hold it; live elements that only carry more fields than
 * desired (server defaults such as a container's imagePullPolicy) do not count as drift, so an unchanged
 * Description makes an empty patch and no write.
 */
final class ThreeWayMergePatch {

  private ThreeWayMergePatch() {
  }

  /** {@code lastApplied} is null for an object this deployer never wrote (it is adopted, nothing is removed). */
  static ObjectNode between(JsonNode lastApplied, ObjectNode desired, ObjectNode live) {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    if (lastApplied instanceof ObjectNode original) {
      original.fieldNames().forEachRemaining(field -> {
        if (!desired.has(field) && live.has(field)) {
          patch.putNull(field);
        }
      });
    }
    for (Iterator<Map.Entry<String, JsonNode>> fields = desired.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode want = field.getValue();
      JsonNode have = live.get(field.getKey());
      JsonNode had = lastApplied == null ? null : lastApplied.get(field.getKey());
      if (want instanceof ObjectNode wantObject && have instanceof ObjectNode haveObject) {
        ObjectNode nested = between(had, wantObject, haveObject);
        if (!nested.isEmpty()) {
          patch.set(field.getKey(), nested);
        }
      } else if (want.isArray() && have != null && have.isArray()) {
        boolean changedSinceLastApply = had != null && !had.equals(want);
        if (!covers(have, want) || changedSinceLastApply && !have.equals(want)) {
          patch.set(field.getKey(), want);
        }
      } else if (!want.equals(have)) {
        patch.set(field.getKey(), want);
      }
    }
    return patch;
  }

  /** Whether {@code live} holds everything in {@code wanted}: equal, or with extra object fields at any depth. */
  private static boolean covers(JsonNode live, JsonNode wanted) {
    if (wanted.isObject() && live.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> fields = wanted.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        JsonNode liveValue = live.get(field.getKey());
        if (liveValue == null || !covers(liveValue, field.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (wanted.isArray() && live.isArray()) {
      if (wanted.size() != live.size()) {
        return false;
      }
      for (int i = 0; i < wanted.size(); i++) {
        if (!covers(live.get(i), wanted.get(i))) {
          return false;
        }
      }
      return true;
    }
    return wanted.equals(live);
  }
}
