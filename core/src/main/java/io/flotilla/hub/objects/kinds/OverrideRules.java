package io.flotilla.hub.objects.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Validation;
import java.util.List;

/** Localization and Globalization: priority 0–1000 (500), overridePolicy (ApplyLater), a feed, typed overrides. */
public final class OverrideRules implements KindRules {
  @Override
  public void admit(ObjectNode object, Validation v) {
    ObjectNode spec = Fields.object(object, "spec", "spec", v);
    Fields.defaultValue(spec, "priority", 500);
    Fields.integer(spec, "priority", "spec.priority", 0, 1000, v);
    Fields.defaultValue(spec, "overridePolicy", "ApplyLater");
    Fields.oneOf(spec, "overridePolicy", "spec.overridePolicy", List.of("ApplyNow", "ApplyLater"), v);
    JsonNode feed = Fields.get(spec, "feed");
    v.required("spec.feed", feed);
    if (feed != null) {
      Fields.feed(feed, "spec.feed", v);
    }
    JsonNode overrides = spec.path("overrides");
    for (int i = 0; i < overrides.size(); i++) {
      String path = "spec.overrides[" + i + "]";
      JsonNode override = overrides.get(i);
      Fields.requiredText(override, "value", path + ".value", v);
      Fields.requiredText(override, "type", path + ".type", v);
      Fields.oneOf(override, "type", path + ".type",
          List.of("Helm", "JSONPatch", "MergePatch", "FieldJSONPatch", "FieldMergePatch"), v);
      Fields.oneOf(override, "fieldFormat", path + ".fieldFormat", List.of("YAML", "JSON"), v);
      Fields.bool(override, "overrideChart", path + ".overrideChart", v);
    }
  }
}
