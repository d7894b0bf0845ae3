package io.flotilla.hub.objects.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** How a kind's objects are kept in the journal and read model, and turned back for clients. */
public interface ObjectCodec {
  ObjectCodec PLAIN = new ObjectCodec() {
    @Override
    public ObjectNode toStored(ObjectNode object, ObjectNode storedBefore) {
      return object;
    }

    @Override
    public ObjectNode fromStored(ObjectNode stored) {
      return stored;
    }
  };

  /** storedBefore is the current stored form on updates (null on create), so unchanged data can stay as it was. */
  ObjectNode toStored(ObjectNode object, ObjectNode storedBefore);

  ObjectNode fromStored(ObjectNode stored);
}
