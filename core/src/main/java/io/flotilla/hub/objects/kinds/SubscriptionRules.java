package io.flotilla.hub.objects.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Validation;
import java.util.List;

/** Subscription (apps.clusternet.io/v1alpha1): subscribers and feeds required, scheduling enums and defaults. */
public final class SubscriptionRules implements KindRules {
  @Override
  public void admit(ObjectNode object, Validation v) {
    ObjectNode spec = Fields.object(object, "spec", "spec", v);
    Fields.defaultValue(spec, "schedulerName", "default");
    Fields.defaultValue(spec, "schedulingStrategy", "Replication");
    Fields.oneOf(spec, "schedulingStrategy", "spec.schedulingStrategy", List.of("Replication", "Dividing"), v);
    Fields.oneOf(spec, "preemptionPolicy", "spec.preemptionPolicy", List.of("PreemptLowerPriority", "PreemptNever"), v);
    if (Fields.get(spec, "dividingScheduling") != null) {
      ObjectNode dividing = Fields.object(spec, "dividingScheduling", "spec.dividingScheduling", v);
      Fields.defaultValue(dividing, "type", "Static");
      Fields.oneOf(dividing, "type", "spec.dividingScheduling.type", List.of("Static", "Dynamic"), v);
      JsonNode dynamic = dividing.path("dynamicDividing");
      Fields.oneOf(dynamic, "strategy", "spec.dividingScheduling.dynamicDividing.strategy", List.of("Spread", "Binpack"), v);
      Fields.integer(dynamic, "minClusters", "spec.dividingScheduling.dynamicDividing.minClusters", 0, Integer.MAX_VALUE, v);
    }
    List<JsonNode> subscribers = Fields.requiredList(spec, "subscribers", "spec.subscribers", v);
    for (int i = 0; i < subscribers.size(); i++) {
      String path = "spec.subscribers[" + i + "]";
      JsonNode affinity = Fields.get(subscribers.get(i), "clusterAffinity");
      v.required(path + ".clusterAffinity", affinity);
      v.check(affinity == null || affinity.isObject(), path + ".clusterAffinity", "Invalid value: must be an object");
      Fields.integer(subscribers.get(i), "weight", path + ".weight", 0, Integer.MAX_VALUE, v);
    }
    Fields.feeds(spec, "spec.feeds", v);
  }
}
