package io.flotilla.hub.objects;

import io.flotilla.api.ResourceType;
import io.flotilla.hub.objects.kinds.KindRules;
import io.flotilla.hub.objects.kinds.ObjectCodec;

/**
 * A kind served as stored objects: its discovery type, whether it is a built-in Kubernetes kind
 * (kube accepts strategic merge patches only for those), its validation and defaults, and how
 * it is stored (Secrets encrypted).
 */
public record ObjectKind(ResourceType type, boolean builtIn, KindRules rules, ObjectCodec codec) {
  public boolean hasStatus() {
    return type.subresources().contains("status");
  }
}
