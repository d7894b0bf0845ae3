package io.flotilla.hub.objects.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Validation;

/** One kind's defaults and validation (as its CRD schema's defaults, enums and required fields). */
public interface KindRules {
  KindRules NONE = (object, v) -> { };

  /** Fills in defaults on the object, and adds a cause to v for every invalid field. */
  void admit(ObjectNode object, Validation v);
}
