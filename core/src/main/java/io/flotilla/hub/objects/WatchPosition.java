package io.flotilla.hub.objects;

import akka.persistence.query.NoOffset;
import akka.persistence.query.Offset;
import akka.persistence.query.TimeBasedUUID;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A point in the stream of object changes: for every tag slice ({@link ObjectEntity#INDEX_SLICES}),
 * the eventsByTag offset of the last change included. Every event is in exactly one slice and the
 * offsets are the tag_views' TimeUUIDs, the same on every hub node, so a position from one node
 * resumes on another. Clients see it as a list's or bookmark's resourceVersion (base64url, 16 bytes
 * a slice, zeros for a slice that has no change yet) and inside a watch event's resourceVersion
 * ({@link #objectVersion}).
 */
public record WatchPosition(List<Offset> offsets) {
  private static final int UUID_BYTES = 16;
  private static final char OBJECT_VERSION_SEPARATOR = '.';

  public WatchPosition {
    offsets = List.copyOf(offsets);
  }

  /** Before every change. */
  public static WatchPosition start() {
    return new WatchPosition(Collections.nCopies(ObjectEntity.INDEX_SLICES, NoOffset.getInstance()));
  }

  public Offset offset(int slice) {
    return offsets.get(slice);
  }

  public WatchPosition with(int slice, Offset offset) {
    List<Offset> next = new ArrayList<>(offsets);
    next.set(slice, offset);
    return new WatchPosition(next);
  }

  /** Whether offset a comes after b in a slice (every change comes after NoOffset). */
  public static boolean isAfter(Offset a, Offset b) {
    if (!(a instanceof TimeBasedUUID later)) {
      return false;
    }
    return !(b instanceof TimeBasedUUID earlier) || later.compareTo(earlier) > 0;
  }

  public String encode() {
    ByteBuffer bytes = ByteBuffer.allocate(UUID_BYTES * offsets.size());
    for (Offset offset : offsets) {
      UUID uuid = offset instanceof TimeBasedUUID time ? time.value() : new UUID(0, 0);
      bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
  }

  /**
   * A watch event's object keeps its own resourceVersion (an update's precondition) and carries the
   * position after the event, so a client resuming from the last object it saw misses nothing:
   * `<object's resourceVersion>.<position>`.
   */
  public String objectVersion(long objectResourceVersion) {
    return objectResourceVersion + String.valueOf(OBJECT_VERSION_SEPARATOR) + encode();
  }

  /** The object's own part of a resourceVersion (all of a plain one, the prefix of {@link #objectVersion}). */
  public static String objectPart(String resourceVersion) {
    int separator = resourceVersion.indexOf(OBJECT_VERSION_SEPARATOR);
    return separator < 0 ? resourceVersion : resourceVersion.substring(0, separator);
  }

  /**
   * The position in a list's, bookmark's or watch event's resourceVersion; empty for an object's own
   * (a number: it orders one object's changes only). Throws IllegalArgumentException when malformed.
   */
  public static Optional<WatchPosition> parse(String resourceVersion) {
    String encoded = resourceVersion.substring(resourceVersion.indexOf(OBJECT_VERSION_SEPARATOR) + 1);
    if (!encoded.isEmpty() && encoded.chars().allMatch(Character::isDigit)) {
      return Optional.empty();
    }
    byte[] bytes = Base64.getUrlDecoder().decode(encoded);
    if (bytes.length != UUID_BYTES * ObjectEntity.INDEX_SLICES) {
      throw new IllegalArgumentException("not a resourceVersion of this hub: " + resourceVersion);
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    List<Offset> offsets = new ArrayList<>();
    for (int slice = 0; slice < ObjectEntity.INDEX_SLICES; slice++) {
      UUID uuid = new UUID(buffer.getLong(), buffer.getLong());
      if (uuid.getMostSignificantBits() == 0 && uuid.getLeastSignificantBits() == 0) {
        offsets.add(NoOffset.getInstance());
      } else if (uuid.version() == 1) {
        offsets.add(new TimeBasedUUID(uuid));
      } else {
        throw new IllegalArgumentException("not a resourceVersion of this hub: " + resourceVersion);
      }
    }
    return Optional.of(new WatchPosition(offsets));
  }
}
