package io.flotilla.k8s.deployer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * How applying one object went: the object as placed in the child (namespace defaulted), its status as the
 * child reported it (null when it has none), or why it failed.
 */
record AppliedObject(Feed feed, JsonNode observedStatus, String error) {

  static AppliedObject succeeded(Feed feed, JsonNode observedStatus) {
    return new AppliedObject(feed, observedStatus, null);
  }

  static AppliedObject failed(Feed feed, String error) {
    return new AppliedObject(feed, null, error);
  }

  boolean succeeded() {
    return error == null;
  }

  /** Clusternet's ManifestStatus: the feed, inline, and {@code observedStatus}. */
  ObjectNode manifestStatus() {
    ObjectNode status = feed.toJson();
    if (observedStatus != null && !observedStatus.isNull()) {
      status.set("observedStatus", observedStatus.deepCopy());
    }
    return status;
  }
}
