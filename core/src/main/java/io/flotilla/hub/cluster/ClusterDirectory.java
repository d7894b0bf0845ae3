package io.flotilla.hub.cluster;

import akka.Done;
import akka.stream.Materializer;
import akka.stream.alpakka.cassandra.javadsl.CassandraSession;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.datastax.oss.driver.api.core.cql.Row;
import io.flotilla.api.Json;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.ObjectMeta;
import io.flotilla.api.StatusException;
import io.flotilla.api.objects.Selector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * The cluster directory read model: every registered ManagedCluster, one row each, kept by
 * {@link ClusterDirectoryProjection} from the entities' tagged events. Lists are served from
 * here so they never wake up (or scan) the entities. The row holds the object without status
 * and the status apart, so a status event is one column write and no read.
 */
public final class ClusterDirectory {
  public static final String TABLE = "managed_clusters";
  public static final String LABELS_TABLE = "cluster_labels";
  /** Directory rows read at once while resolving a selector's candidates. */
  private static final int READ_PARALLELISM = 32;

  private final CassandraSession session;
  private final String table;
  private final String labels;
  private final int chunk;

  /**
   * {@code chunk}: rows read at a time while filling a list page (index keys of one label value,
   * directory rows of a scan).
   */
  public ClusterDirectory(CassandraSession session, String keyspace, int chunk) {
    this.session = session;
    this.chunk = chunk;
    this.table = keyspace + "." + TABLE;
    this.labels = keyspace + "." + LABELS_TABLE;
  }

  /** Embedded/dev mode only; production creates it from deploy/cql/schema.cql. */
  public CompletionStage<Done> createTable() {
    return session.executeCreateTable("CREATE TABLE IF NOT EXISTS " + table + " ("
        + "namespace text, name text, cluster_id text, resource_version bigint, object text, status text, "
        + "health text, PRIMARY KEY ((namespace), name))")
        .thenCompose(done -> session.executeCreateTable("CREATE TABLE IF NOT EXISTS " + labels + " ("
            + "label_key text, label_value text, namespace text, name text, "
            + "PRIMARY KEY ((label_key), label_value, namespace, name))"));
  }

  CompletionStage<Done> registered(ManagedClusterEntity.Registered event, long revision) {
    ManagedCluster object = ManagedClusterEntity.managedCluster(event, null, revision);
    return session.executeWrite("INSERT INTO " + table
            + " (namespace, name, cluster_id, resource_version, object) VALUES (?, ?, ?, ?, ?)",
        event.namespace(), event.clusterName(), event.clusterId(), revision, Json.writeString(object))
        .thenCompose(done -> relabel(event.namespace(), event.clusterName(), Map.of(), event.labels()));
  }

  /** Moves the cluster's label index rows from one label set to another (only the labels that differ). */
  private CompletionStage<Done> relabel(String namespace, String name, Map<String, String> before,
      Map<String, String> after) {
    List<CompletionStage<Done>> writes = new ArrayList<>();
    before.forEach((key, value) -> {
      if (!value.equals(after.get(key))) {
        writes.add(session.executeWrite("DELETE FROM " + labels
            + " WHERE label_key = ? AND label_value = ? AND namespace = ? AND name = ?", key, value, namespace, name));
      }
    });
    after.forEach((key, value) -> {
      if (!value.equals(before.get(key))) {
        writes.add(session.executeWrite("INSERT INTO " + labels
            + " (label_key, label_value, namespace, name) VALUES (?, ?, ?, ?)", key, value, namespace, name));
      }
    });
    return CompletableFuture.allOf(writes.stream().map(CompletionStage::toCompletableFuture)
        .toArray(CompletableFuture[]::new)).thenApply(v -> Done.getInstance());
  }

  CompletionStage<Done> statusReported(ManagedClusterEntity.StatusReported event, long revision) {
    // health is cleared only when it was set: a null written is a tombstone, and one per row doubles
    // what every scan of the directory reads (a registration's row leaves status and health unset)
    String clearHealth = event.healthRecovered() ? ", health = null" : "";
    return session.executeWrite("UPDATE " + table
            + " SET status = ?" + clearHealth + ", resource_version = ? WHERE namespace = ? AND name = ?",
        Json.writeString(event.status()), revision, event.namespace(), event.name());
  }

  CompletionStage<Done> healthUnknown(ManagedClusterEntity.HealthUnknown event, long revision) {
    return session.executeWrite("UPDATE " + table + " SET health = ?, resource_version = ? WHERE namespace = ? AND name = ?",
        Json.writeString(event.health()), revision, event.namespace(), event.name());
  }

  /** Labels live in the object column: rare enough to read it back and rewrite it. */
  CompletionStage<Done> labelsChanged(ManagedClusterEntity.LabelsChanged event, long revision) {
    return session.selectOne("SELECT object FROM " + table + " WHERE namespace = ? AND name = ?",
            event.namespace(), event.name())
        .thenCompose(row -> {
          if (row.isEmpty()) {
            return CompletableFuture.completedFuture(Done.getInstance());
          }
          ManagedCluster stored = Json.read(row.get().getString("object"), ManagedCluster.class);
          ObjectMeta m = stored.metadata();
          ManagedCluster relabeled = new ManagedCluster(stored.apiVersion(), stored.kind(),
              new ObjectMeta(m.name(), m.generateName(), m.namespace(), m.uid(), m.resourceVersion(), m.generation(),
                  m.creationTimestamp(), m.deletionTimestamp(), event.labels(), m.annotations()),
              stored.spec(), null);
          return session.executeWrite("UPDATE " + table
                  + " SET object = ?, resource_version = ? WHERE namespace = ? AND name = ?",
                  Json.writeString(relabeled), revision, event.namespace(), event.name())
              .thenCompose(done -> relabel(event.namespace(), event.name(), labelsOf(stored), event.labels()));
        });
  }

  CompletionStage<Done> deregistered(ManagedClusterEntity.Deregistered event) {
    return get(event.namespace(), event.name())
        .thenCompose(stored -> stored
            .map(cluster -> relabel(event.namespace(), event.name(), labelsOf(cluster), Map.of()))
            .orElse(CompletableFuture.completedFuture(Done.getInstance())))
        .thenCompose(done -> session.executeWrite("DELETE FROM " + table + " WHERE namespace = ? AND name = ?",
            event.namespace(), event.name()));
  }

  private static Map<String, String> labelsOf(ManagedCluster cluster) {
    Map<String, String> labels = cluster.metadata().labels();
    return labels == null ? Map.of() : labels;
  }

  /** One cluster as listed (eventually consistent), if registered. */
  public CompletionStage<Optional<ManagedCluster>> get(String namespace, String name) {
    return session.selectOne("SELECT resource_version, object, status, health FROM " + table
            + " WHERE namespace = ? AND name = ?", namespace, name)
        .thenApply(row -> row.map(ClusterDirectory::toObject));
  }

  /**
   * The clusters that may match any of the selectors: a superset that callers filter exactly.
   * Each selector is narrowed by the label index through one of its requirements that needs
   * a label to be present (equality, in, exists), so a selector on a rare label reads a few
   * rows, not the fleet; a selector without such a requirement (empty, or only negative ones)
   * can match almost anything and reads the whole directory.
   */
  public CompletionStage<List<ManagedCluster>> candidates(List<Selector> selectors, Materializer materializer) {
    List<Selector.Requirement> narrowing = new ArrayList<>();
    for (Selector selector : selectors) {
      Optional<Selector.Requirement> indexed = narrowing(selector);
      if (indexed.isEmpty()) {
        return list(null);
      }
      narrowing.add(indexed.get());
    }
    return Source.from(narrowing)
        .mapAsync(1, this::indexed)
        .runFold(new TreeSet<String>(), (all, keys) -> {
          all.addAll(keys);
          return all;
        }, materializer)
        .thenCompose(keys -> Source.from(keys)
            .mapAsync(READ_PARALLELISM, key -> get(namespaceOf(key), nameOf(key)))
            .mapConcat(found -> found.map(List::of).orElse(List.of()))
            .runWith(Sink.seq(), materializer));
  }

  /** "namespace/name" of every cluster carrying the requirement's label (with one of its values). */
  private CompletionStage<List<String>> indexed(Selector.Requirement requirement) {
    String select = "SELECT namespace, name FROM " + labels + " WHERE label_key = ?";
    CompletionStage<List<Row>> rows = requirement.operator() == Selector.Operator.EXISTS
        ? session.selectAll(select, requirement.key())
        : session.selectAll(select + " AND label_value IN ?", requirement.key(), List.copyOf(requirement.values()));
    return rows.thenApply(all -> all.stream().map(ClusterDirectory::keyOf).toList());
  }

  /** One page of a list and the token of the next page, if any. */
  public record Page(List<ManagedCluster> clusters, String continueToken) {}

  /**
   * A page of the clusters that match (limit 0: all), in one namespace or all. A label selector
   * with a requirement the label index can answer reads only the clusters carrying that label
   * (in (namespace, name) order, the token being the last one examined); otherwise the directory is
   * read in its partitions' token order (one cluster per dedicated namespace, so the token is
   * the last partition's). Either way a page costs about what it returns, not what the fleet holds:
   * the values of equality and `in` requirements are read from the token on, a chunk at a time, and
   * joined in the index (`run=a,region=r3` reads the directory rows of clusters carrying both, not
   * of every cluster of the run); with no such requirement, one on the label's mere presence still
   * reads the label's index rows once per page (its values are not known in advance).
   */
  public CompletionStage<Page> page(String namespace, Selector labels, Predicate<ManagedCluster> matches, long limit,
      String continueToken, Materializer materializer) {
    if (namespace != null) {
      return list(namespace).thenApply(all -> new Page(all.stream().filter(matches).toList(), null));
    }
    Optional<CompletionStage<KeyChunks>> indexed = keyChunks(labels);
    if (indexed.isPresent()) {
      String after = continueToken == null ? "" : decodeToken(continueToken);
      if (!after.isEmpty() && after.indexOf('/') < 0) {
        throw StatusException.badRequest("invalid continue token: " + continueToken);
      }
      return indexed.get()
          .thenCompose(chunks -> fillFromIndex(chunks, after, matches, limit, new ArrayList<>(), materializer));
    }
    long after;
    try {
      after = continueToken == null ? Long.MIN_VALUE : Long.parseLong(decodeToken(continueToken));
    } catch (NumberFormatException e) {
      throw StatusException.badRequest("invalid continue token: " + continueToken);
    }
    return fillFromScan(after, matches, limit, new ArrayList<>());
  }

  /**
   * The order of the label index within one value, (namespace, name), on "namespace/name" keys
   * (a namespace has no '/'; Kubernetes names are ASCII, so Java's order is Cassandra's).
   */
  private static final Comparator<String> KEY_ORDER = Comparator.comparing(ClusterDirectory::namespaceOf)
      .thenComparing(ClusterDirectory::nameOf);

  /** An index row's "namespace/name" key. */
  private static String keyOf(Row row) {
    return row.getString("namespace") + "/" + row.getString("name");
  }

  private static String namespaceOf(String key) {
    return key.substring(0, key.indexOf('/'));
  }

  private static String nameOf(String key) {
    return key.substring(key.indexOf('/') + 1);
  }

  /** Keys in {@link #KEY_ORDER}, and whether none follow them. */
  private record KeyChunk(List<String> keys, boolean last) {}

  /** The "namespace/name" keys after a position, in order, at most {@code max} at a time. */
  private interface KeyChunks {
    CompletionStage<KeyChunk> after(String position, int max);
  }

  /**
   * The index keys of the clusters that may match: the join of the requirements with values
   * (`a=x`, `a in (x,y)`), else those of a requirement on the label's mere presence; none when no
   * requirement needs a label (the directory is scanned).
   */
  private Optional<CompletionStage<KeyChunks>> keyChunks(Selector selector) {
    List<Seeker> seekers = selector.requirements().stream()
        .filter(r -> r.operator() == Selector.Operator.EQUALS || r.operator() == Selector.Operator.IN)
        .<Seeker>map(r -> r.values().size() == 1 ? new Cursor(r.key(), r.values().iterator().next())
            : new AnyOf(r.values().stream().sorted().map(value -> new Cursor(r.key(), value)).toList()))
        .toList();
    if (!seekers.isEmpty()) {
      return Optional.of(CompletableFuture.completedFuture(new Join(seekers)));
    }
    return narrowing(selector).map(requirement -> indexed(requirement).thenApply(keys -> {
      TreeSet<String> sorted = new TreeSet<>(KEY_ORDER);
      sorted.addAll(keys);
      return (position, max) -> {
        List<String> following = (position.isEmpty() ? sorted : sorted.tailSet(position, false)).stream()
            .limit(max + 1L).toList();
        return CompletableFuture.completedFuture(following.size() > max
            ? new KeyChunk(following.subList(0, max), false) : new KeyChunk(following, true));
      };
    }));
  }

  /** Index keys in order from a target on. Targets never move back (a join only moves forward). */
  private interface Seeker {
    /** The first key at or after {@code target} (after it, unless {@code inclusive}); null if none. */
    CompletableFuture<String> seek(String target, boolean inclusive);
  }

  /** The keys of any of several values of a label (`in (x,y)`): the smallest any of them is on. */
  private record AnyOf(List<Cursor> values) implements Seeker {
    @Override
    public CompletableFuture<String> seek(String target, boolean inclusive) {
      List<CompletableFuture<String>> seeks = values.stream().map(value -> value.seek(target, inclusive)).toList();
      return CompletableFuture.allOf(seeks.toArray(CompletableFuture[]::new)).thenApply(done -> seeks.stream()
          .map(CompletableFuture::join).filter(Objects::nonNull).min(KEY_ORDER).orElse(null));
    }
  }

  /** One label value's index keys, read forward a chunk at a time: seeks answer from the rows read while they can. */
  private final class Cursor implements Seeker {
    private final String key;
    private final String value;
    private List<String> rows = List.of();
    private int next;
    /** The last read reached the end of the value's rows. */
    private boolean end;

    Cursor(String key, String value) {
      this.key = key;
      this.value = value;
    }

    @Override
    public CompletableFuture<String> seek(String target, boolean inclusive) {
      while (next < rows.size() && before(rows.get(next), target, inclusive)) {
        next++;
      }
      if (next < rows.size()) {
        return CompletableFuture.completedFuture(rows.get(next));
      }
      if (end) {
        return CompletableFuture.completedFuture(null);
      }
      String namespace = target.isEmpty() ? "" : namespaceOf(target);
      String name = target.isEmpty() ? "" : nameOf(target);
      return session.selectAll("SELECT namespace, name FROM " + labels + " WHERE label_key = ? AND label_value = ? AND "
              + "(namespace, name) " + (inclusive ? ">=" : ">") + " (?, ?) LIMIT " + chunk, key, value, namespace, name)
          .thenApply(read -> {
            rows = read.stream().map(ClusterDirectory::keyOf).toList();
            next = 0;
            end = rows.size() < chunk;
            return rows.isEmpty() ? null : rows.get(0);
          })
          .toCompletableFuture();
    }

    private static boolean before(String key, String target, boolean inclusive) {
      int order = target.isEmpty() ? 1 : KEY_ORDER.compare(key, target);
      return inclusive ? order < 0 : order <= 0;
    }
  }

  /**
   * The keys every seeker holds, in order (a leapfrog join): each in turn seeks the largest key
   * seen so far, until all stand on the same one. A page costs the index rows between its first
   * and last key, read in chunks, rather than a directory read for every cluster of one value.
   */
  private record Join(List<Seeker> seekers) implements KeyChunks {
    @Override
    public CompletionStage<KeyChunk> after(String position, int max) {
      // every seeker reads from the position at once (one round trip, not one per requirement); the
      // join then asks them only for keys past it
      List<CompletableFuture<String>> reads = seekers.stream().map(seeker -> seeker.seek(position, false)).toList();
      return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
          .thenCompose(read -> advance(position, false, max, new ArrayList<>()));
    }

    private CompletionStage<KeyChunk> advance(String from, boolean inclusive, int max, List<String> found) {
      String target = from;
      boolean include = inclusive;
      int agreeing = 0;
      int turn = 0;
      // a loop, not a chain of stages, while the seekers answer from rows already read
      while (found.size() < max) {
        CompletableFuture<String> seek = seekers.get(turn).seek(target, include);
        if (!seek.isDone() || seek.isCompletedExceptionally()) {
          String resumeAt = target;
          boolean resumeInclusive = include;
          return seek.thenCompose(read -> advance(resumeAt, resumeInclusive, max, found));
        }
        String key = seek.join();
        if (key == null) {
          return CompletableFuture.completedFuture(new KeyChunk(found, true));
        }
        if (include && key.equals(target)) {
          agreeing++;
        } else {
          target = key;
          include = true;
          agreeing = 1;
        }
        if (agreeing == seekers.size()) {
          found.add(key);
          include = false;
          agreeing = 0;
        }
        turn = (turn + 1) % seekers.size();
      }
      return CompletableFuture.completedFuture(new KeyChunk(found, false));
    }
  }

  /** A directory row read for an index key. */
  private record Keyed(String key, ManagedCluster cluster) {}

  /**
   * Reads the directory rows of the next keys (at most what the page still needs) in order,
   * stopping once the page is full, and goes on from the last key while it is not.
   */
  private CompletionStage<Page> fillFromIndex(KeyChunks chunks, String after, Predicate<ManagedCluster> matches,
      long limit, List<ManagedCluster> page, Materializer materializer) {
    int wanted = limit > 0 ? (int) Math.min(chunk, limit - page.size()) : chunk;
    return chunks.after(after, wanted).thenCompose(read -> {
      List<String> keys = read.keys();
      var found = Source.from(keys)
          .mapAsync(READ_PARALLELISM, key -> get(namespaceOf(key), nameOf(key))
              .thenApply(cluster -> new Keyed(key, cluster.filter(matches).orElse(null))))
          .filter(keyed -> keyed.cluster() != null);
      return (limit > 0 ? found.take(limit - page.size()) : found).runWith(Sink.seq(), materializer)
          .thenCompose(rows -> {
            rows.forEach(row -> page.add(row.cluster()));
            if (limit > 0 && page.size() >= limit) {
              String last = rows.get(rows.size() - 1).key();
              boolean more = !read.last() || !last.equals(keys.get(keys.size() - 1));
              return CompletableFuture.completedFuture(new Page(page, more ? encodeToken(last) : null));
            }
            return read.last() || keys.isEmpty()
                ? CompletableFuture.completedFuture(new Page(page, null))
                : fillFromIndex(chunks, keys.get(keys.size() - 1), matches, limit, page, materializer);
          });
    });
  }

  private CompletionStage<Page> fillFromScan(long afterToken, Predicate<ManagedCluster> matches, long limit,
      List<ManagedCluster> page) {
    return session.selectAll("SELECT resource_version, object, status, health, token(namespace) AS t FROM " + table
            + " WHERE token(namespace) > ? LIMIT " + chunk, afterToken)
        .thenCompose(rows -> {
          for (int i = 0; i < rows.size(); i++) {
            ManagedCluster cluster = toObject(rows.get(i));
            if (matches.test(cluster)) {
              page.add(cluster);
              if (limit > 0 && page.size() >= limit) {
                boolean more = i < rows.size() - 1 || rows.size() == chunk;
                return CompletableFuture.completedFuture(new Page(page,
                    more ? encodeToken(String.valueOf(rows.get(i).getLong("t"))) : null));
              }
            }
          }
          return rows.size() < chunk
              ? CompletableFuture.completedFuture(new Page(page, null))
              : fillFromScan(rows.get(rows.size() - 1).getLong("t"), matches, limit, page);
        });
  }

  private static String encodeToken(String position) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
  }

  private static String decodeToken(String token) {
    try {
      return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw StatusException.badRequest("invalid continue token: " + token);
    }
  }

  /** A requirement that only clusters carrying a label can meet: the label index answers it. */
  private static Optional<Selector.Requirement> narrowing(Selector selector) {
    return selector.requirements().stream()
        .filter(r -> r.operator() == Selector.Operator.EQUALS || r.operator() == Selector.Operator.IN
            || r.operator() == Selector.Operator.EXISTS)
        .findFirst();
  }

  /** All clusters, or those of one namespace. */
  public CompletionStage<List<ManagedCluster>> list(String namespace) {
    String columns = "SELECT resource_version, object, status, health FROM " + table;
    CompletionStage<List<Row>> rows = namespace == null
        ? session.selectAll(columns)
        : session.selectAll(columns + " WHERE namespace = ?", namespace);
    return rows.thenApply(all -> all.stream().map(ClusterDirectory::toObject).toList());
  }

  private static ManagedCluster toObject(Row row) {
    ManagedCluster stored = Json.read(row.getString("object"), ManagedCluster.class);
    String status = row.getString("status");
    ObjectMeta m = stored.metadata();
    ObjectMeta meta = new ObjectMeta(m.name(), m.generateName(), m.namespace(), m.uid(),
        String.valueOf(row.getLong("resource_version")), m.generation(), m.creationTimestamp(),
        m.deletionTimestamp(), m.labels(), m.annotations());
    String health = row.getString("health");
    return ManagedClusterEntity.withHealth(new ManagedCluster(stored.apiVersion(), stored.kind(), meta, stored.spec(),
            status == null ? null : Json.read(status, ManagedCluster.ClusterStatus.class)),
        health == null ? null : Json.read(health, ManagedClusterEntity.Health.class));
  }
}
