package io.flotilla.hub.objects.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Validation;

/** Manifest: the stored template (any object) is required. */
public final class ManifestRules implements KindRules {
  @Override
  public void admit(ObjectNode object, Validation v) {
    JsonNode template = Fields.get(object, "template");
    v.required("template", template);
    v.check(template == null || template.isObject(), "template", "Invalid value: must be an object");
  }
}
