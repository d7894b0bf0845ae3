package io.flotilla.hub.cluster;

import akka.Done;
import akka.stream.alpakka.cassandra.javadsl.CassandraSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.flotilla.api.Json;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.ObjectMeta;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The cluster directory read model: every registered ManagedCluster, one row each, kept by
 * {@link ClusterDirectoryProjection} from the entities' tagged events. Lists are served from
 * here so they never wake up (or scan) the entities. The row holds the object without status
 * and the status apart, so a status event is one column write and no read.
 */
public final class ClusterDirectory {
  public static final String TABLE = "managed_clusters";

  private final CassandraSession session;
  private final String table;

  public ClusterDirectory(CassandraSession session, String keyspace) {
    this.session = session;
    this.table = keyspace + "." + TABLE;
  }

  /** Embedded/dev mode only; production creates it from deploy/cql/schema.cql. */
  public CompletionStage<Done> createTable() {
    return session.executeCreateTable("CREATE TABLE IF NOT EXISTS " + table + " ("
        + "namespace text, name text, cluster_id text, resource_version bigint, object text, status text, "
        + "health text, PRIMARY KEY ((namespace), name))");
  }

  CompletionStage<Done> registered(ManagedClusterEntity.Registered event, long revision) {
    ManagedCluster object = ManagedClusterEntity.managedCluster(event, null, revision);
    return session.executeWrite("INSERT INTO " + table
            + " (namespace, name, cluster_id, resource_version, object, status, health) VALUES (?, ?, ?, ?, ?, null, null)",
        event.namespace(), event.clusterName(), event.clusterId(), revision, Json.writeString(object));
  }

  CompletionStage<Done> statusReported(ManagedClusterEntity.StatusReported event, long revision) {
    return session.executeWrite("UPDATE " + table
            + " SET status = ?, health = null, resource_version = ? WHERE namespace = ? AND name = ?",
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
              Json.writeString(relabeled), revision, event.namespace(), event.name());
        });
  }

  CompletionStage<Done> deregistered(ManagedClusterEntity.Deregistered event) {
    return session.executeWrite("DELETE FROM " + table + " WHERE namespace = ? AND name = ?",
        event.namespace(), event.name());
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
