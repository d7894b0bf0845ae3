package io.flotilla.hub.cluster;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.javadsl.Handler;
import io.flotilla.api.ManagedCluster;
import io.flotilla.hub.TaggedProjections;
import io.flotilla.hub.events.EventRecorder;
import java.util.concurrent.CompletionStage;

/** Keeps the {@link ClusterDirectory} from ManagedCluster events: one projection per tag slice. */
public final class ClusterDirectoryProjection extends Handler<EventEnvelope<ManagedClusterEntity.Event>> {
  private static final String NAME = "managed-cluster-directory";

  /**
   * Told, after the directory has it, that the cluster in a dedicated namespace joined, was
   * relabelled, came back from Unknown health, or left.
   */
  public interface Listener {
    CompletionStage<Done> clusterChanged(String namespace);
  }

  private final ClusterDirectory directory;
  private final Listener listener;
  private final EventRecorder events;

  private ClusterDirectoryProjection(ClusterDirectory directory, Listener listener, EventRecorder events) {
    this.directory = directory;
    this.listener = listener;
    this.events = events;
  }

  /**
   * Runs the slices' projections spread over the hub's nodes (at-least-once; writes are
   * idempotent, and so must the listener be: a replay tells it again). Each cluster's events in
   * order, different clusters' concurrently: rows are per cluster.
   */
  public static void init(ActorSystem<?> system, ClusterDirectory directory, Listener listener, EventRecorder events) {
    TaggedProjections.<ManagedClusterEntity.Event>startPerEntity(system, NAME, ManagedClusterEntity.DIRECTORY_SLICES,
        ManagedClusterEntity::tag, slice -> new ClusterDirectoryProjection(directory, listener, events));
  }

  @Override
  public CompletionStage<Done> process(EventEnvelope<ManagedClusterEntity.Event> envelope) {
    ManagedClusterEntity.Event event = envelope.event();
    if (event instanceof ManagedClusterEntity.Registered registered) {
      return directory.registered(registered, envelope.sequenceNr())
          .thenCompose(done -> listener.clusterChanged(registered.namespace()));
    } else if (event instanceof ManagedClusterEntity.StatusReported reported) {
      CompletionStage<Done> written = directory.statusReported(reported, envelope.sequenceNr());
      // a cluster that comes back from Unknown loses its taint: Subscriptions may now bind it
      return reported.healthRecovered()
          ? written.thenCompose(done -> events.record(managedCluster(reported.namespace(), reported.name()),
                  EventRecorder.NORMAL, "ClusterReady", "managed cluster " + reported.name() + " reports again"))
              .thenCompose(done -> listener.clusterChanged(reported.namespace()))
          : written;
    } else if (event instanceof ManagedClusterEntity.Deregistered deregistered) {
      return directory.deregistered(deregistered)
          .thenCompose(done -> listener.clusterChanged(deregistered.namespace()));
    } else if (event instanceof ManagedClusterEntity.LabelsChanged labels) {
      return directory.labelsChanged(labels, envelope.sequenceNr())
          .thenCompose(done -> listener.clusterChanged(labels.namespace()));
    } else if (event instanceof ManagedClusterEntity.HealthUnknown unknown) {
      return directory.healthUnknown(unknown, envelope.sequenceNr())
          .thenCompose(done -> events.record(managedCluster(unknown.namespace(), unknown.name()), EventRecorder.WARNING,
              "ClusterUnknown", "managed cluster " + unknown.name() + " is Unknown: " + unknown.health().reason()));
    }
    throw new IllegalArgumentException("unknown event " + event.getClass().getName());
  }

  private static EventRecorder.Involved managedCluster(String namespace, String name) {
    return new EventRecorder.Involved("clusters.clusternet.io/v1beta1", ManagedCluster.KIND, namespace, name, null);
  }
}
