package io.flotilla.hub.objects.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Validation;
import java.util.regex.Pattern;

/** HelmChart and HelmRelease share Clusternet's HelmOptions: repo, chart and targetNamespace required, defaults. */
public final class HelmRules implements KindRules {
  /** Clusternet's pattern for spec.repo. */
  private static final Pattern REPO =
      Pattern.compile("^(http|https|oci)?://(?:[a-zA-Z]|[0-9]|[$-_@.&+]|[!*\\(\\),]|(?:%[0-9a-fA-F][0-9a-fA-F]))+$");

  @Override
  public void admit(ObjectNode object, Validation v) {
    ObjectNode spec = Fields.object(object, "spec", "spec", v);
    Fields.requiredText(spec, "repo", "spec.repo", v);
    JsonNode repo = Fields.get(spec, "repo");
    v.check(repo == null || !repo.isTextual() || REPO.matcher(repo.asText()).matches(), "spec.repo",
        "Invalid value: \"" + (repo == null ? "" : repo.asText()) + "\": must be an http, https or oci URL");
    Fields.requiredText(spec, "chart", "spec.chart", v);
    Fields.requiredText(spec, "targetNamespace", "spec.targetNamespace", v);
    Fields.defaultValue(spec, "createNamespace", true);
    Fields.defaultValue(spec, "timeoutSeconds", 300);
    Fields.integer(spec, "timeoutSeconds", "spec.timeoutSeconds", 0, Integer.MAX_VALUE, v);
    for (String flag : new String[] {"createNamespace", "plainHTTP", "wait", "waitForJob", "replace", "atomic",
        "upgradeAtomic", "skipCRDs", "replaceCRDs", "disableHooks", "force"}) {
      Fields.bool(spec, flag, "spec." + flag, v);
    }
  }
}
