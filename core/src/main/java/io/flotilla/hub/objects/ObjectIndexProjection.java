package io.flotilla.hub.objects;

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

/**
 * Keeps the {@link ObjectIndex} from object events: one projection per tag slice (at-least-once,
 * idempotent writes), each recording how far it has applied its slice (the lists' position).
 */
public final class ObjectIndexProjection extends Handler<EventEnvelope<ObjectEntity.Event>> {
  private static final String NAME = "object-index";

  private final ObjectIndex index;
  private final int slice;

  private ObjectIndexProjection(ObjectIndex index, int slice) {
    this.index = index;
    this.slice = slice;
  }

  public static void init(ActorSystem<?> system, ObjectIndex index) {
    ShardedDaemonProcess.get(system).init(ProjectionBehavior.Command.class, NAME, ObjectEntity.INDEX_SLICES,
        slice -> {
          String tag = ObjectEntity.tag(slice);
          SourceProvider<Offset, EventEnvelope<ObjectEntity.Event>> events =
              EventSourcedProvider.eventsByTag(system, CassandraReadJournal.Identifier(), tag);
          return ProjectionBehavior.create(CassandraProjection.atLeastOnce(
              ProjectionId.of(NAME, tag), events, () -> new ObjectIndexProjection(index, slice)));
        },
        ShardedDaemonProcessSettings.create(system),
        Optional.of(ProjectionBehavior.stopMessage()));
  }

  @Override
  public CompletionStage<Done> process(EventEnvelope<ObjectEntity.Event> envelope) {
    ObjectEntity.Event event = envelope.event();
    CompletionStage<Done> applied = event instanceof ObjectEntity.Deleted deleted
        ? index.deleted(deleted.key())
        : index.written(event.key(), event.object(), envelope.sequenceNr());
    return applied.thenCompose(done -> index.progressed(slice, envelope.offset()));
  }
}
