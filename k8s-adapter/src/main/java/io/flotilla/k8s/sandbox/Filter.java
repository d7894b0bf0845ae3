package io.flotilla.k8s.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.api.objects.Selector;

/** Which objects of one type a list, watch or delete-collection addresses. */
record Filter(ResourceType type, String namespace, Selector labels, Selector fields) {

  /** {@code namespace} null means all namespaces; selectors as given in the query (null or blank: everything). */
  static Filter of(ResourceType type, String namespace, String labelSelector, String fieldSelector) {
    Selector labels;
    Selector fields;
    try {
      labels = Selector.parseLabels(labelSelector);
      fields = Selector.parseFields(fieldSelector);
    } catch (IllegalArgumentException e) {
      throw StatusError.badRequest(e.getMessage());
    }
    for (Selector.Requirement requirement : fields.requirements()) {
      if (!type.selectableFields().contains(requirement.key())) {
        throw StatusError.badRequest("field label not supported: " + requirement.key());
      }
    }
    return new Filter(type, namespace, labels, fields);
  }

  boolean hasSelectors() {
    return !labels.isEmpty() || !fields.isEmpty();
  }

  boolean matches(JsonNode object) {
    return (namespace == null || namespace.equals(KubeObjects.namespace(object)))
        && labels.matches(key -> KubeObjects.label(object, key))
        && fields.matches(key -> KubeObjects.field(object, key));
  }
}
