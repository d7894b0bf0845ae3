package io.flotilla.hub.objects;

import akka.Done;
import akka.stream.alpakka.cassandra.javadsl.CassandraSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.flotilla.api.Json;
import io.flotilla.api.StatusException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
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
 */
public final class ObjectIndex {
  public static final String TABLE = "objects";
  public static final String NAMESPACES_TABLE = "object_namespaces";
  /** Rows read per query while filling a page. */
  private static final int CHUNK = 500;

  private final CassandraSession session;
  private final String table;
  private final String namespaces;

  public ObjectIndex(CassandraSession session, String keyspace) {
    this.session = session;
    this.table = keyspace + "." + TABLE;
    this.namespaces = keyspace + "." + NAMESPACES_TABLE;
  }

  /** Embedded/dev mode only; production creates them from deploy/cql/schema.cql. */
  public CompletionStage<Done> createTables() {
    return session.executeCreateTable("CREATE TABLE IF NOT EXISTS " + table + " ("
            + "api_group text, plural text, namespace text, name text, resource_version bigint, object text, "
            + "PRIMARY KEY ((api_group, plural, namespace), name))")
        .thenCompose(done -> session.executeCreateTable("CREATE TABLE IF NOT EXISTS " + namespaces + " ("
            + "api_group text, plural text, namespace text, PRIMARY KEY ((api_group, plural), namespace))"));
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

  /** One page of a list: stored objects (JSON) and the token for the next page, if any. */
  public record Page(List<String> objects, String continueToken) {}

  /** Where a page starts: after this (namespace, name); name "" starts the namespace. */
  private record Position(String namespace, String name) {}

  /**
   * Objects of one kind in name order, in one namespace or (namespace null for a namespaced kind)
   * in all; limit 0 means all. The filter sees the stored JSON.
   */
  public CompletionStage<Page> list(String group, String plural, boolean namespaced, String namespace,
      Predicate<String> filter, long limit, String continueToken) {
    String apiGroup = group.isEmpty() ? "core" : group;
    Position start = continueToken == null || continueToken.isEmpty() ? null : decode(continueToken);
    CompletionStage<List<String>> spaces;
    if (!namespaced || namespace != null) {
      spaces = CompletableFuture.completedFuture(List.of(namespaced ? namespace : "_"));
    } else {
      spaces = session.selectAll("SELECT namespace FROM " + namespaces + " WHERE api_group = ? AND plural = ?"
          + " AND namespace >= ?", apiGroup, plural, start == null ? "" : start.namespace())
          .thenApply(rows -> rows.stream().map(r -> r.getString("namespace")).toList());
    }
    return spaces.thenCompose(all -> fill(apiGroup, plural, all, 0,
        start != null && !all.isEmpty() && all.get(0).equals(start.namespace()) ? start.name() : "",
        filter, limit, new ArrayList<>()));
  }

  private CompletionStage<Page> fill(String group, String plural, List<String> spaces, int index, String after,
      Predicate<String> filter, long limit, List<String> page) {
    if (index >= spaces.size()) {
      return CompletableFuture.completedFuture(new Page(page, null));
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
                return CompletableFuture.completedFuture(
                    new Page(page, more ? encode(new Position(namespace, row.getString("name"))) : null));
              }
            }
          }
          return rows.size() == CHUNK
              ? fill(group, plural, spaces, index, rows.get(rows.size() - 1).getString("name"), filter, limit, page)
              : fill(group, plural, spaces, index + 1, "", filter, limit, page);
        });
  }

  private static String encode(Position position) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(
        Json.write(Map.of("ns", position.namespace(), "name", position.name())));
  }

  private static Position decode(String token) {
    try {
      var node = Json.MAPPER.readTree(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
      if (!node.path("ns").isTextual() || !node.path("name").isTextual()) {
        throw new IllegalArgumentException("fields missing");
      }
      return new Position(node.get("ns").asText(), node.get("name").asText());
    } catch (Exception e) {
      throw StatusException.badRequest("invalid continue token: " + token);
    }
  }
}
