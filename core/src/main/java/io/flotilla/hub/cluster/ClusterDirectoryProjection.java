package io.flotilla.hub.cluster;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.persistence.cassandra.query.javadsl.CassandraReadJournal;
import akka.persistence.query.Offset;
import akka.projection.ProjectionBehavior;
import akka.projection.ProjectionId;
import akka.projection.cassandra.javadsl.CassandraProjection;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.eventsourced.javadsl.EventSourcedProvider;
import akka.projection.javadsl.Handler;
import akka.projection.javadsl.SourceProvider;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Keeps the {@link ClusterDirectory} from ManagedCluster events: one projection per tag slice. */
public final class ClusterDirectoryProjection extends Handler<EventEnvelope<ManagedClusterEntity.Event>> {
  private static final String NAME = "managed-cluster-directory";

  /** Told, after the directory has it, that the cluster in a dedicated namespace joined, was relabelled or left. */
  public interface Listener {
    CompletionStage<Done> clusterChanged(String namespace);
  }

  private final ClusterDirectory directory;
  private final Listener listener;

  private ClusterDirectoryProjection(ClusterDirectory directory, Listener listener) {
    this.directory = directory;
    this.listener = listener;
  }

  /**
   * Runs the slices' projections spread over the hub's nodes (at-least-once; writes are
   * idempotent, and so must the listener be: a replay tells it again).
   */
  public static void init(ActorSystem<?> system, ClusterDirectory directory, Listener listener) {
    ShardedDaemonProcess.get(system).init(ProjectionBehavior.Command.class, NAME,
        ManagedClusterEntity.DIRECTORY_SLICES,
        slice -> {
          String tag = ManagedClusterEntity.tag(slice);
          SourceProvider<Offset, EventEnvelope<ManagedClusterEntity.Event>> events =
              EventSourcedProvider.eventsByTag(system, CassandraReadJournal.Identifier(), tag);
          return ProjectionBehavior.create(CassandraProjection.atLeastOnce(
              ProjectionId.of(NAME, tag), events, () -> new ClusterDirectoryProjection(directory, listener)));
        },
        ShardedDaemonProcessSettings.create(system),
        Optional.of(ProjectionBehavior.stopMessage()));
  }

  @Override
  public CompletionStage<Done> process(EventEnvelope<ManagedClusterEntity.Event> envelope) {
    ManagedClusterEntity.Event event = envelope.event();
    if (event instanceof ManagedClusterEntity.Registered registered) {
      return directory.registered(registered, envelope.sequenceNr())
          .thenCompose(done -> listener.clusterChanged(registered.namespace()));
    } else if (event instanceof ManagedClusterEntity.StatusReported reported) {
      return directory.statusReported(reported, envelope.sequenceNr());
    } else if (event instanceof ManagedClusterEntity.Deregistered deregistered) {
      return directory.deregistered(deregistered)
          .thenCompose(done -> listener.clusterChanged(deregistered.namespace()));
    } else if (event instanceof ManagedClusterEntity.LabelsChanged labels) {
      return directory.labelsChanged(labels, envelope.sequenceNr())
          .thenCompose(done -> listener.clusterChanged(labels.namespace()));
    } else if (event instanceof ManagedClusterEntity.HealthUnknown unknown) {
      return directory.healthUnknown(unknown, envelope.sequenceNr());
    }
    throw new IllegalArgumentException("unknown event " + event.getClass().getName());
  }
}
