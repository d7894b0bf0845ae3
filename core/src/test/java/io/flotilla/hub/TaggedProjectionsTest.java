package io.flotilla.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.persistence.query.Offset;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.javadsl.Handler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** A group's envelopes: each entity's in order, one after the other; other entities' meanwhile. */
class TaggedProjectionsTest {

  /** Records which envelopes started, and completes each only when the test says so. */
  private static final class Held extends Handler<EventEnvelope<String>> {
    final List<String> started = new ArrayList<>();
    final Map<String, CompletableFuture<Done>> pending = new ConcurrentHashMap<>();

    @Override
    public synchronized CompletionStage<Done> process(EventEnvelope<String> envelope) {
      started.add(envelope.event());
      CompletableFuture<Done> done = new CompletableFuture<>();
      pending.put(envelope.event(), done);
      return done;
    }

    void complete(String event) {
      pending.get(event).complete(Done.getInstance());
    }
  }

  private static EventEnvelope<String> envelope(String persistenceId, long sequenceNr) {
    return EventEnvelope.create(Offset.sequence(sequenceNr), persistenceId, sequenceNr,
        persistenceId + "#" + sequenceNr, 0L);
  }

  @Test
  void anEntitysEnvelopesRunInOrderWhileOtherEntitiesRunAlongside() {
    Held handler = new Held();
    // "a" and "b" hash to different lanes of 64
    var group = new TaggedProjections.PerEntity<>(handler, 64);

    CompletableFuture<Done> all = group.process(List.of(envelope("a", 1), envelope("b", 1), envelope("a", 2),
        envelope("b", 2))).toCompletableFuture();

    assertEquals(List.of("a#1", "b#1"), handler.started, "b's first runs alongside a's; each second waits");
    handler.complete("a#1");
    assertEquals(List.of("a#1", "b#1", "a#2"), handler.started);
    handler.complete("a#2");
    assertFalse(all.isDone(), "the group ends with its last envelope");
    handler.complete("b#1");
    handler.complete("b#2");
    all.join();
    assertEquals(List.of("a#1", "b#1", "a#2", "b#2"), handler.started);
  }

  @Test
  void aFailedEnvelopeFailsTheGroup() {
    Handler<EventEnvelope<String>> failing = new Handler<>() {
      @Override
      public CompletionStage<Done> process(EventEnvelope<String> envelope) {
        if (envelope.sequenceNr() == 2) {
          throw new IllegalStateException("boom");
        }
        return CompletableFuture.completedFuture(Done.getInstance());
      }
    };
    var group = new TaggedProjections.PerEntity<>(failing, 4);
    CompletableFuture<Done> all = group.process(List.of(envelope("a", 1), envelope("a", 2))).toCompletableFuture();
    assertTrue(all.isCompletedExceptionally(), "the group is retried as a whole (at-least-once)");
  }
}
