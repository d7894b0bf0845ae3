package io.flotilla.hub.objects;

import akka.Done;
import akka.persistence.query.NoOffset;
import akka.persistence.query.Offset;
import akka.persistence.query.TimeBasedUUID;
import akka.stream.alpakka.cassandra.javadsl.CassandraSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.flotilla.api.Json;
import io.flotilla.api.StatusException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * The object list read model, kept by {@link ObjectIndexProjection} from the entities' tagged
 * events (eventually consistent: a write shows up in lists about a second later; single reads ask
 * the entity and are current). One kind's objects in one namespace are one partition, in name
 * order; `object_namespaces` lists the namespaces a kind has (ever had) objects in, so
 * all-namespace lists walk those partitions in namespace order. Paging resumes after the last
 * (namespace, name) returned.
 *
 * `object_index_progress` holds, per tag slice, the offset of the last event the index has applied,
 * written after the event's rows: read before a list, it is a {@link WatchPosition} the list
 * reflects at least, so a watch from it misses nothing the list lacks. (A change applied while a
 * list is read may be in the list and come again in the watch; kube-apiserver lists from a
 * snapshot, this index has none.) All pages of one list carry the first page's position.
 */
public final class ObjectIndex {
  public static final String TABLE = "objects";
  public static final String NAMESPACES_TABLE = "object_namespaces";
  public static final String PROGRESS_TABLE = "object_index_progress";
  /** Rows read per query while filling a page. */
  private static final int CHUNK = 500;

  private final CassandraSession session;
  private final String table;
  private final String namespaces;
  private final String progress;

  public ObjectIndex(CassandraSession session, String keyspace) {
    this.session = session;
    this.table = keyspace + "." + TABLE;
    this.namespaces = keyspace + "." + NAMESPACES_TABLE;
    this.progress = keyspace + "." + PROGRESS_TABLE;
  }

  /** Embedded/dev mode only; production creates them from deploy/cql/schema.cql. */
  public CompletionStage<Done> createTables() {
    return session.executeCreateTable("CREATE TABLE IF NOT EXISTS " + table + " ("
            + "api_group text, plural text, namespace text, name text, resource_version bigint, object text, "
            + "PRIMARY KEY ((api_group, plural, namespace), name))")
        .thenCompose(done -> session.executeCreateTable("CREATE TABLE IF NOT EXISTS " + namespaces + " ("
            + "api_group text, plural text, namespace text, PRIMARY KEY ((api_group, plural), namespace))"))
        .thenCompose(done -> session.executeCreateTable("CREATE TABLE IF NOT EXISTS " + progress + " ("
            + "tag text PRIMARY KEY, tag_offset timeuuid)"));
  }

  /** The parts of an entity key: group ("core" for ""), plural, namespace ("_" when cluster-scoped), name. */
  private static String[] parts(String key) {
    return key.split("/", 4);
  }

  CompletionStage<Done> written(String key, String object, long resourceVersion) {
    String[] p = parts(key);
    return session.executeWrite("INSERT INTO " + namespaces + " (api_group, plural, namespace) VALUES (?, ?, ?)",
            p[0], p[1], p[2])
        .thenCompose(done -> session.executeWrite("INSERT INTO " + table
                + " (api_group, plural, namespace, name, resource_version, object) VALUES (?, ?, ?, ?, ?, ?)",
            p[0], p[1], p[2], p[3], resourceVersion, object));
  }

  CompletionStage<Done> deleted(String key) {
    String[] p = parts(key);
    return session.executeWrite("DELETE FROM " + table + " WHERE api_group = ? AND plural = ? AND namespace = ? AND name = ?",
        p[0], p[1], p[2], p[3]);
  }

  /** Records that every event of the slice up to offset is applied. */
  CompletionStage<Done> progressed(int slice, Offset offset) {
    return session.executeWrite("INSERT INTO " + progress + " (tag, tag_offset) VALUES (?, ?)",
        ObjectEntity.tag(slice), ((TimeBasedUUID) offset).value());
  }

  /** The position the index has applied all events up to (a slice it has no event of yet: NoOffset). */
  public CompletionStage<WatchPosition> progress() {
    return session.selectAll("SELECT tag, tag_offset FROM " + progress).thenApply(rows -> {
      Map<String, UUID> offsets = new HashMap<>();
      rows.forEach(row -> offsets.put(row.getString("tag"), row.getUuid("tag_offset")));
      WatchPosition position = WatchPosition.start();
      for (int slice = 0; slice < ObjectEntity.INDEX_SLICES; slice++) {
        UUID offset = offsets.get(ObjectEntity.tag(slice));
        position = position.with(slice, offset == null ? NoOffset.getInstance() : new TimeBasedUUID(offset));
      }
      return position;
    });
  }

  /**
   * One page of a list: stored objects (JSON), the token for the next page if any, and the position
   * the list reflects (its resourceVersion).
   */
  public record Page(List<String> objects, String continueToken, WatchPosition position) {}

  /** Where a page starts: after this (namespace, name); name "" starts the namespace. listPosition is the first page's. */
  private record Position(String namespace, String name, WatchPosition listPosition) {}

  /**
   * Objects of one kind in name order, in one namespace or (namespace null for a namespaced kind)
   * in all; limit 0 means all. The filter sees the stored JSON.
   */
  public CompletionStage<Page> list(String group, String plural, boolean namespaced, String namespace,
      Predicate<String> filter, long limit, String continueToken) {
    String apiGroup = group.isEmpty() ? "core" : group;
    Position start = continueToken == null || continueToken.isEmpty() ? null : decode(continueToken);
    CompletionStage<WatchPosition> listPosition = start == null ? progress()
        : CompletableFuture.completedFuture(start.listPosition());
    return listPosition.thenCompose(position -> namespaces(apiGroup, plural, namespaced, namespace, start)
        .thenCompose(all -> fill(apiGroup, plural, all, 0,
            start != null && !all.isEmpty() && all.get(0).equals(start.namespace()) ? start.name() : "",
            filter, limit, position, new ArrayList<>())));
  }

  /** The names of one kind's objects in one namespace, in name order, without reading the objects. */
  public CompletionStage<List<String>> names(String group, String plural, String namespace) {
    return session.selectAll("SELECT name FROM " + table + " WHERE api_group = ? AND plural = ? AND namespace = ?",
            group.isEmpty() ? "core" : group, plural, namespace)
        .thenApply(rows -> rows.stream().map(r -> r.getString("name")).toList());
  }

  /** The namespaces a list reads, from where it starts. */
  private CompletionStage<List<String>> namespaces(String apiGroup, String plural, boolean namespaced,
      String namespace, Position start) {
    if (!namespaced || namespace != null) {
      return CompletableFuture.completedFuture(List.of(namespaced ? namespace : "_"));
    }
    return session.selectAll("SELECT namespace FROM " + namespaces + " WHERE api_group = ? AND plural = ?"
        + " AND namespace >= ?", apiGroup, plural, start == null ? "" : start.namespace())
        .thenApply(rows -> rows.stream().map(r -> r.getString("namespace")).toList());
  }

  private CompletionStage<Page> fill(String group, String plural, List<String> spaces, int index, String after,
      Predicate<String> filter, long limit, WatchPosition position, List<String> page) {
    if (index >= spaces.size()) {
      return CompletableFuture.completedFuture(new Page(page, null, position));
    }
    String namespace = spaces.get(index);
    return session.selectAll("SELECT name, object FROM " + table + " WHERE api_group = ? AND plural = ?"
            + " AND namespace = ? AND name > ? LIMIT " + CHUNK, group, plural, namespace, after)
        .thenCompose(rows -> {
          for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            String object = row.getString("object");
            if (filter.test(object)) {
              page.add(object);
              if (limit > 0 && page.size() >= limit) {
                boolean more = i < rows.size() - 1 || rows.size() == CHUNK || index < spaces.size() - 1;
                return CompletableFuture.completedFuture(new Page(page,
                    more ? encode(new Position(namespace, row.getString("name"), position)) : null, position));
              }
            }
          }
          return rows.size() == CHUNK
              ? fill(group, plural, spaces, index, rows.get(rows.size() - 1).getString("name"), filter, limit,
                  position, page)
              : fill(group, plural, spaces, index + 1, "", filter, limit, position, page);
        });
  }

  private static String encode(Position position) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(
        Json.write(Map.of("ns", position.namespace(), "name", position.name(), "rv",
            position.listPosition().encode())));
  }

  private static Position decode(String token) {
    try {
      var node = Json.MAPPER.readTree(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
      if (!node.path("ns").isTextual() || !node.path("name").isTextual() || !node.path("rv").isTextual()) {
        throw new IllegalArgumentException("fields missing");
      }
      return new Position(node.get("ns").asText(), node.get("name").asText(),
          WatchPosition.parse(node.get("rv").asText()).orElseThrow());
    } catch (Exception e) {
      throw StatusException.badRequest("invalid continue token: " + token);
    }
  }
}
