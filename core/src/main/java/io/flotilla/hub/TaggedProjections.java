package io.flotilla.hub;

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
import java.util.function.IntFunction;

/**
 * One at-least-once projection per tag slice of an entity's events (offsets in Cassandra), run by
 * a ShardedDaemonProcess so the slices spread over the hub's nodes. Handlers must be idempotent:
 * after a restart a slice replays from its last stored offset.
 */
public final class TaggedProjections {
  private TaggedProjections() {}

  public static <E> void start(ActorSystem<?> system, String name, int slices, IntFunction<String> tag,
      IntFunction<Handler<EventEnvelope<E>>> handler) {
    ShardedDaemonProcess.get(system).init(ProjectionBehavior.Command.class, name, slices,
        slice -> {
          SourceProvider<Offset, EventEnvelope<E>> events =
              EventSourcedProvider.eventsByTag(system, CassandraReadJournal.Identifier(), tag.apply(slice));
          return ProjectionBehavior.create(CassandraProjection.atLeastOnce(
              ProjectionId.of(name, tag.apply(slice)), events, () -> handler.apply(slice)));
        },
        ShardedDaemonProcessSettings.create(system),
        Optional.of(ProjectionBehavior.stopMessage()));
  }
}
