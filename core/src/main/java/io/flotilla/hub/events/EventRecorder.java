package io.flotilla.hub.events;

import akka.Done;
import akka.stream.alpakka.cassandra.javadsl.CassandraSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.Times;
import io.flotilla.hub.objects.ObjectEntity;
import io.flotilla.hub.security.Secrets;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events about the hub's objects, kept in their own Cassandra table with a TTL (not
 * event-sourced: events are best-effort notes, and a million clusters must not fill the store).
 * The same occurrence again (same object, type, reason and message) updates one Event: count + 1,
 * lastTimestamp, TTL from the last occurrence, as kube's event aggregation does. Concurrent
 * recordings of the same occurrence may lose a count; nothing else depends on it.
 */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  public static final String TABLE = "events";
  public static final String COMPONENT = "flotilla-hub";
  public static final String NORMAL = "Normal";
  public static final String WARNING = "Warning";

  /** The object an event is about; cluster-scoped objects (namespace null) get their events in "default". */
  public record Involved(String apiVersion, String kind, String namespace, String name, String uid) {}

  private final CassandraSession session;
  private final String table;
  private final Duration ttl;
  private final Clock clock;
  /** resourceVersions: microseconds, unique within this node. */
  private final AtomicLong lastVersion = new AtomicLong();

  public EventRecorder(CassandraSession session, String keyspace, Duration ttl, Clock clock) {
    this.session = session;
    this.table = keyspace + "." + TABLE;
    this.ttl = ttl;
    this.clock = clock;
  }

  public CompletionStage<Done> createTable() {
    return session.executeCreateTable("CREATE TABLE IF NOT EXISTS " + table
        + " (namespace text, name text, object text, PRIMARY KEY ((namespace), name))");
  }

  /** Records one occurrence; failures are logged, never passed on (an event must not fail what it reports). */
  public CompletionStage<Done> record(Involved involved, String type, String reason, String message) {
    String namespace = involved.namespace() == null ? "default" : involved.namespace();
    String name = involved.name() + "." + Secrets.sha256Hex(String.join("\n", involved.kind(), namespace,
        involved.name(), String.valueOf(involved.uid()), type, reason, message)).substring(0, 16);
    return get(namespace, name).thenCompose(existing -> {
      Instant now = clock.instant();
      ObjectNode event = existing.orElseGet(() -> newEvent(involved, namespace, name, type, reason, message, now));
      event.put("count", existing.isPresent() ? event.path("count").asLong(1) + 1 : 1);
      event.put("lastTimestamp", Times.format(now));
      ((ObjectNode) event.get("metadata")).put("resourceVersion", String.valueOf(nextVersion(now)));
      return session.executeWrite("INSERT INTO " + table + " (namespace, name, object) VALUES (?, ?, ?) USING TTL ?",
          namespace, name, Json.writeString(event), (int) ttl.toSeconds());
    }).exceptionally(failure -> {
      log.warn("could not record event {} on {} {}/{}: {}", reason, involved.kind(), namespace, involved.name(),
          failure.toString());
      return Done.getInstance();
    });
  }

  public CompletionStage<Optional<ObjectNode>> get(String namespace, String name) {
    return session.selectOne("SELECT object FROM " + table + " WHERE namespace = ? AND name = ?", namespace, name)
        .thenApply(row -> row.map(r -> ObjectEntity.parseObject(r.getString("object"))));
  }

  /** The live events of a namespace, or of all namespaces (null), in name order per namespace. */
  public CompletionStage<List<ObjectNode>> list(String namespace) {
    CompletionStage<List<Row>> rows = namespace == null
        ? session.selectAll("SELECT object FROM " + table)
        : session.selectAll("SELECT object FROM " + table + " WHERE namespace = ?", namespace);
    return rows.thenApply(all -> all.stream().map(r -> ObjectEntity.parseObject(r.getString("object"))).toList());
  }

  private static ObjectNode newEvent(Involved involved, String namespace, String name, String type, String reason,
      String message, Instant now) {
    ObjectNode event = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Event");
    event.putObject("metadata").put("name", name).put("namespace", namespace)
        .put("uid", UUID.nameUUIDFromBytes((namespace + "/" + name).getBytes(StandardCharsets.UTF_8))
            .toString())
        .put("creationTimestamp", Times.format(now));
    ObjectNode object = event.putObject("involvedObject").put("apiVersion", involved.apiVersion())
        .put("kind", involved.kind()).put("name", involved.name());
    if (involved.namespace() != null) {
      object.put("namespace", involved.namespace());
    }
    if (involved.uid() != null) {
      object.put("uid", involved.uid());
    }
    event.put("type", type).put("reason", reason).put("message", message)
        .put("firstTimestamp", Times.format(now)).put("reportingComponent", COMPONENT).put("reportingInstance", "");
    event.putObject("source").put("component", COMPONENT);
    return event;
  }

  private long nextVersion(Instant now) {
    long micros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    return lastVersion.updateAndGet(last -> Math.max(last + 1, micros));
  }
}
