package io.flotilla.hub.objects;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.javadsl.Handler;
import io.flotilla.hub.TaggedProjections;
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
    TaggedProjections.<ObjectEntity.Event>start(system, NAME, ObjectEntity.INDEX_SLICES, ObjectEntity::tag,
        slice -> new ObjectIndexProjection(index, slice));
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
