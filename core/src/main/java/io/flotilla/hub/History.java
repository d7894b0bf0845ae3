package io.flotilla.hub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An entity's history as served by a `/history` subresource: typed entries made from its own
 * journal, each with its time and the event's sequence number, filtered by type and time range
 * and paged by sequence number.
 */
public final class History {
  private History() {}

  /** What to return: entry types (empty: all), a time range (null: open), at most limit (0: all) after sequence `after`. */
  public record Query(Set<String> types, Instant since, Instant until, long limit, long after) {}

  /** A page of entries, and the sequence number to continue after (0 when there is no more). */
  public record Page(List<ObjectNode> entries, long continueAfter) {}

  /** One event's entry ({type, time, ...}) and its sequence number. */
  public record Entry(long sequence, ObjectNode entry) {}

  /** The entries the query selects, in journal order, with `sequence` added to each. */
  public static Page page(List<Entry> all, Query query) {
    List<ObjectNode> page = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      Entry e = all.get(i);
      if (e.sequence() <= query.after() || !selected(e.entry(), query)) {
        continue;
      }
      page.add(e.entry().put("sequence", e.sequence()));
      if (query.limit() > 0 && page.size() >= query.limit()) {
        return new Page(page, i < all.size() - 1 ? e.sequence() : 0);
      }
    }
    return new Page(page, 0);
  }

  private static boolean selected(ObjectNode entry, Query query) {
    Instant at = Instant.parse(entry.get("time").asText());
    return (query.types().isEmpty() || query.types().contains(entry.get("type").asText()))
        && (query.since() == null || !at.isBefore(query.since()))
        && (query.until() == null || at.isBefore(query.until()));
  }
}
