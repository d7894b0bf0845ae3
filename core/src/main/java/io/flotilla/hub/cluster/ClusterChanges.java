package io.flotilla.hub.cluster;

import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.persistence.cassandra.query.javadsl.CassandraReadJournal;
import akka.persistence.query.PersistenceQuery;
import akka.stream.javadsl.Source;
import io.flotilla.api.ManagedCluster;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Live changes of ManagedClusters for watches: the entities' tagged events (every slice) from a
 * point in time, each resolved to the cluster as its entity has it now (watch events carry
 * current objects). A list's resourceVersion is that point in time (epoch milliseconds), so a
 * watch from it misses nothing that happened after the list began.
 */
public final class ClusterChanges {
  /** kube's watch event type and the cluster (for DELETED: only its namespace and name are known). */
  public record Change(String type, String namespace, String name, ManagedCluster cluster) {}

  private final CassandraReadJournal journal;
  private final ClusterRegistry clusters;

  public ClusterChanges(ActorSystem<?> system, ClusterRegistry clusters) {
    this.journal = PersistenceQuery.get(system).getReadJournalFor(CassandraReadJournal.class,
        CassandraReadJournal.Identifier());
    this.clusters = clusters;
  }

  /** Changes after epochMillis, until the consumer cancels. */
  public Source<Change, NotUsed> after(long epochMillis) {
    Source<Change, NotUsed> all = Source.empty();
    for (int slice = 0; slice < ManagedClusterEntity.DIRECTORY_SLICES; slice++) {
      all = all.merge(journal.eventsByTag(ManagedClusterEntity.tag(slice), journal.timeBasedUUIDFrom(epochMillis))
          .mapAsync(1, envelope -> resolve((ManagedClusterEntity.Event) envelope.event())));
    }
    return all;
  }

  private CompletionStage<Change> resolve(ManagedClusterEntity.Event event) {
    if (event instanceof ManagedClusterEntity.Deregistered gone) {
      return CompletableFuture.completedFuture(new Change("DELETED", gone.namespace(), gone.name(), null));
    }
    return clusters.ask(event.clusterId(), ManagedClusterEntity.Get::new).thenApply(reply -> {
      if (reply instanceof ManagedClusterEntity.ClusterFound found) {
        ManagedCluster cluster = found.cluster();
        return new Change(event instanceof ManagedClusterEntity.Registered ? "ADDED" : "MODIFIED",
            cluster.metadata().namespace(), cluster.metadata().name(), cluster);
      }
      return null; // deregistered since: its Deregistered event follows
    });
  }
}
