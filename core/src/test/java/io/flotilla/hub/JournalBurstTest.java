package io.flotilla.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.Done;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.SignalHandler;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Thousands of running entities persisting at the same moment (a region's clusters turning Unknown
 * together when its network drops) must queue in the hub, not fail: one driver connection carries
 * 1,024 requests at a time, and without a throttler the driver fails the rest at once ("No node was
 * available"), the journal's circuit breaker opens and every write of the hub fails for a while.
 */
class JournalBurstTest {
  @RegisterExtension
  @Order(1)
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();
  @RegisterExtension
  @Order(2)
  static final HubExtension hub = new HubExtension(cassandra);

  /** Well above one connection's 1,024 requests in flight. */
  static final int WRITERS = 3_000;

  /** Persists one event when told, answers once it is written. */
  static final class Writer extends EventSourcedBehavior<ActorRef<Done>, String, Integer> {
    private final ActorRef<Done> recovered;

    Writer(String id, ActorRef<Done> recovered) {
      super(PersistenceId.of("JournalBurstTest", id));
      this.recovered = recovered;
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public CommandHandler<ActorRef<Done>, String, Integer> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onAnyCommand((state, replyTo) -> Effect().persist("written").thenReply(replyTo, s -> Done.getInstance()));
    }

    @Override
    public EventHandler<Integer, String> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> state + 1);
    }

    @Override
    public SignalHandler<Integer> signalHandler() {
      return newSignalHandlerBuilder()
          .onSignal(RecoveryCompleted.instance(), state -> recovered.tell(Done.getInstance()))
          .build();
    }
  }

  @Test
  void aBurstOfWritesLargerThanAConnectionCarriesIsQueuedNotFailed() {
    ActorSystem<?> system = hub.hub().system();
    TestProbe<Done> recovered = TestProbe.create(system);
    TestProbe<Done> written = TestProbe.create(system);
    String run = UUID.randomUUID().toString();
    List<ActorRef<ActorRef<Done>>> writers = new ArrayList<>();
    for (int i = 0; i < WRITERS; i++) {
      Behavior<ActorRef<Done>> writer = new Writer(run + "-" + i, recovered.getRef());
      writers.add(system.systemActorOf(writer, "journal-burst-" + i, Props.empty()));
    }
    recovered.receiveSeveralMessages(WRITERS, Duration.ofSeconds(60));

    writers.forEach(writer -> writer.tell(written.getRef()));

    int acknowledged = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (acknowledged < WRITERS && System.nanoTime() < deadline) {
      if (pollOne(written)) {
        acknowledged++;
      }
    }
    assertEquals(WRITERS, acknowledged, "writes acknowledged of a burst of " + WRITERS);
  }

  /** One acknowledgement if it comes within a second (a failed writer stops and never answers). */
  private static boolean pollOne(TestProbe<Done> written) {
    try {
      written.receiveMessage(Duration.ofSeconds(1));
      return true;
    } catch (AssertionError timedOut) {
      return false;
    }
  }
}
