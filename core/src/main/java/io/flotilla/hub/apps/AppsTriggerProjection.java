package io.flotilla.hub.apps;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.pattern.Patterns;
import akka.persistence.query.Offset;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.javadsl.Handler;
import io.flotilla.hub.TaggedProjections;
import io.flotilla.hub.objects.ObjectEntity;
import io.flotilla.hub.objects.ObjectIndex;
import io.flotilla.hub.objects.WatchPosition;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * Tells {@link Apps} about object writes, one projection per object tag slice (at-least-once:
 * a trigger that fails is retried). Each event waits until the object index has applied it, so
 * the controllers, which list Subscriptions and overrides from the index, see the change that
 * triggered them. Apart from the index projection so that a long reconcile never holds up lists
 * and watches.
 */
final class AppsTriggerProjection extends Handler<EventEnvelope<ObjectEntity.Event>> {
  private static final String NAME = "apps-triggers";
  private static final Duration INDEX_POLL = Duration.ofMillis(100);
  private static final Duration INDEX_PATIENCE = Duration.ofSeconds(60);

  private final ActorSystem<?> system;
  private final ObjectIndex index;
  private final Apps apps;
  private final int slice;

  private AppsTriggerProjection(ActorSystem<?> system, ObjectIndex index, Apps apps, int slice) {
    this.system = system;
    this.index = index;
    this.apps = apps;
    this.slice = slice;
  }

  static void init(ActorSystem<?> system, ObjectIndex index, Apps apps) {
    TaggedProjections.<ObjectEntity.Event>start(system, NAME, ObjectEntity.INDEX_SLICES, ObjectEntity::tag,
        slice -> new AppsTriggerProjection(system, index, apps, slice));
  }

  @Override
  public CompletionStage<Done> process(EventEnvelope<ObjectEntity.Event> envelope) {
    return indexed(envelope.offset(), Instant.now().plus(INDEX_PATIENCE))
        .thenCompose(done -> apps.objectWritten(envelope.event()));
  }

  /** Completes once the index's progress in this slice has reached offset. */
  private CompletionStage<Done> indexed(Offset offset, Instant deadline) {
    return index.progress().thenCompose(position -> {
      if (!WatchPosition.isAfter(offset, position.offset(slice))) {
        return CompletableFuture.completedFuture(Done.getInstance());
      }
      if (Instant.now().isAfter(deadline)) {
        return CompletableFuture.failedFuture(new TimeoutException("object index did not reach " + offset));
      }
      return Patterns.after(INDEX_POLL, system.classicSystem().scheduler(), system.executionContext(),
          () -> indexed(offset, deadline));
    });
  }
}
