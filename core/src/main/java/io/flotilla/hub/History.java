package io.flotilla.hub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An entity's history as served by a `/history` subresource: typed entries made from journals
 * (its own, and for a cluster its Descriptions'), each with its time and the event's sequence
 * number, in time order, filtered by type and time range and paged by position.
 */
public final class History {
  private History() {}

  /** What to return: entry types (empty: all), a time range (null: open), at most limit (0: all) after `after` (null: none). */
  public record Query(Set<String> types, Instant since, Instant until, long limit, Position after) {}

  /** A page of entries, and the position to continue after (null when there is no more). */
  public record Page(List<ObjectNode> entries, Position continueAfter) {}

  /** One event's entry ({type, time, ...}) and its position (whose time is the entry's). */
  public record Entry(Position position, ObjectNode entry) {}

  /**
   * Where an entry sits: by time, then journal ("" for the entity's own), then sequence number
   * there. It names the entry rather than counting entries, so `continue` stays right when
   * entries of other journals come or go between pages.
   */
  public record Position(Instant time, String journal, long sequence) implements Comparable<Position> {
    private static final Comparator<Position> ORDER = Comparator.comparing(Position::time)
        .thenComparing(Position::journal).thenComparingLong(Position::sequence);

    @Override
    public int compareTo(Position other) {
      return ORDER.compare(this, other);
    }

    /** The opaque `continue` token. */
    public String token() {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(
          Json.write(Map.of("time", time.toString(), "journal", journal, "sequence", sequence)));
    }

    /** A token's position; IllegalArgumentException if it is not one. */
    public static Position parse(String token) {
      try {
        var node = Json.MAPPER.readTree(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
        if (!node.path("time").isTextual() || !node.path("journal").isTextual()
            || !node.path("sequence").isIntegralNumber()) {
          throw new IllegalArgumentException("fields missing");
        }
        return new Position(Instant.parse(node.get("time").asText()), node.get("journal").asText(),
            node.get("sequence").asLong());
      } catch (Exception e) {
        throw new IllegalArgumentException("invalid continue token: " + token, e);
      }
    }
  }

  /** The entries the query selects, in time order, with `sequence` added to each. */
  public static Page page(List<Entry> all, Query query) {
    List<Entry> ordered = new ArrayList<>(all);
    ordered.sort(Comparator.comparing(Entry::position));
    List<ObjectNode> page = new ArrayList<>();
    for (int i = 0; i < ordered.size(); i++) {
      Entry e = ordered.get(i);
      if ((query.after() != null && e.position().compareTo(query.after()) <= 0) || !selected(e, query)) {
        continue;
      }
      page.add(e.entry().put("sequence", e.position().sequence()));
      if (query.limit() > 0 && page.size() >= query.limit()) {
        return new Page(page, i < ordered.size() - 1 ? e.position() : null);
      }
    }
    return new Page(page, null);
  }

  private static boolean selected(Entry e, Query query) {
    Instant at = e.position().time();
    return (query.types().isEmpty() || query.types().contains(e.entry().get("type").asText()))
        && (query.since() == null || !at.isBefore(query.since()))
        && (query.until() == null || at.isBefore(query.until()));
  }
}
