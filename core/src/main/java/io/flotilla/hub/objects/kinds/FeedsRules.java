package io.flotilla.hub.objects.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Validation;

/** Base (and any kind whose spec is a list of feeds): spec.feeds required, each a complete reference. */
public final class FeedsRules implements KindRules {
  @Override
  public void admit(ObjectNode object, Validation v) {
    Fields.feeds(Fields.object(object, "spec", "spec", v), "spec.feeds", v);
  }
}
