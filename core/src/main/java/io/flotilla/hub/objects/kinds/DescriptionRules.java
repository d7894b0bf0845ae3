package io.flotilla.hub.objects.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Validation;
import java.util.List;

/** Description: a deployer (Helm or Generic) and, in its status, one of Clusternet's phases. */
public final class DescriptionRules implements KindRules {
  @Override
  public void admit(ObjectNode object, Validation v) {
    ObjectNode spec = Fields.object(object, "spec", "spec", v);
    Fields.requiredText(spec, "deployer", "spec.deployer", v);
    Fields.oneOf(spec, "deployer", "spec.deployer", List.of("Helm", "Generic"), v);
    Fields.oneOf(object.path("status"), "phase", "status.phase", List.of("Pending", "Success", "Failure",
        "Installing", "Upgrading", "Uninstalling", "Superseded", "Unknown"), v);
  }
}
