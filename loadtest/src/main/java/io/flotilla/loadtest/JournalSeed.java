package io.flotilla.loadtest;

import akka.actor.typed.Behavior;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.japi.Util;
import akka.persistence.AtomicWrite;
import akka.persistence.JournalProtocol;
import akka.persistence.Persistence;
import akka.persistence.PersistentRepr;
import akka.persistence.PersistentRepr$;
import akka.persistence.journal.Tagged;
import akka.persistence.typed.PersistenceId;
import com.typesafe.config.ConfigFactory;
import io.flotilla.api.ClusterRegistrationRequest;
import io.flotilla.api.Json;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.Times;
import io.flotilla.hub.cluster.DedicatedNamespaceEntity;
import io.flotilla.hub.cluster.ManagedClusterEntity;
import io.flotilla.hub.security.TokenCipher;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands up a large registered fleet fast: each cluster's events, built by the entities' own
 * factories, written through the hub's journal plugin (its serialization, its tag views, so the
 * directory projection builds the read models as for a real registration). Registering through the
 * API runs at ~50 /s on this machine (README "Performance"): a million would take five hours.
 * What it skips is the entities' command handling (namespace claim by ask, recovery of a new
 * entity); the stored result is the same.
 *
 * <p>It talks to the journal actor with Akka's journal protocol (public classes, though meant for
 * persistent actors and journal plugins): per persistence ID a recovery, then one atomic write, as a
 * persistent actor does.
 */
final class JournalSeed {
  /** Seeded clusters' labels: 100 regions, one in ten in tier core. */
  static Map<String, String> labels(int index) {
    return Map.of("region", "r" + index % 100, "tier", index % 10 == 0 ? "core" : "edge");
  }

  private final ActorSystem<?> system;
  private final akka.actor.ActorRef journal;
  private final TokenCipher tokenCipher;
  private final AtomicInteger nextWriter = new AtomicInteger();
  private final String writerUuid = UUID.randomUUID().toString();

  JournalSeed(ActorSystem<?> system, TokenCipher tokenCipher) {
    this.system = system;
    this.tokenCipher = tokenCipher;
    this.journal = Persistence.get(Adapter.toClassic(system)).journalFor("", ConfigFactory.empty());
  }

  /**
   * Writes cluster {@code index} as registered and reporting: its ManagedCluster (Registered, then
   * a first StatusReported, tagged for the directory) and its DedicatedNamespace claim. Answers it
   * with its ID and token.
   */
  CompletableFuture<FleetClient.Cluster> seed(int index) {
    String namespace = String.format("clusternet-s%07d", index);
    String name = "restart-" + index;
    Map<String, String> labels = labels(index);
    String clusterId = UUID.randomUUID().toString();
    String token = ManagedClusterEntity.newToken(clusterId);
    ClusterRegistrationRequest.Spec spec = Json.convert(Json.parse(Shapes.registration(clusterId, name, labels)
        .getBytes(StandardCharsets.UTF_8)).path("spec"), ClusterRegistrationRequest.Spec.class);
    Instant now = Instant.now();
    ManagedClusterEntity.Registered registered = ManagedClusterEntity.approved(
        ClusterRegistrationRequest.nameFor(clusterId), spec, Shapes.REGISTERED_BY, namespace, name, token, tokenCipher, now);
    // the report its agent sends (Shapes.statusReport's), so the first one after a restart changes nothing
    ManagedCluster.ClusterStatus reported = Json.convert(Json.parse(Shapes.statusReport(namespace, name, "v1.30.2")
        .getBytes(StandardCharsets.UTF_8)).path("status"), ManagedCluster.ClusterStatus.class)
        .withLastObservedTime(Times.format(now));
    Set<String> tags = Set.of(ManagedClusterEntity.tagFor(clusterId));
    CompletableFuture<Void> cluster = write(PersistenceId.of(ManagedClusterEntity.ENTITY_KEY.name(), clusterId), true,
        List.of(new Tagged(registered, tags), new Tagged(new ManagedClusterEntity.StatusReported(clusterId,
            namespace, name, reported, now, false), tags)));
    CompletableFuture<Void> claim = write(PersistenceId.of(DedicatedNamespaceEntity.ENTITY_KEY.name(), namespace), false,
        List.of(new DedicatedNamespaceEntity.Claimed(namespace, clusterId)));
    return cluster.thenCombine(claim, (a, b) -> new FleetClient.Cluster(clusterId, namespace, name, token, labels));
  }

  /**
   * One new persistence ID's first events (sequence numbers from 1), written as its persistent actor
   * would: one atomic write, after a recovery when tagged (the journal's tag writers accept tagged
   * events only from an actor they saw recover). The writer is a short-lived actor of its own,
   * because the journal's recovery answers carry nothing to tell concurrent ones apart.
   */
  private CompletableFuture<Void> write(PersistenceId persistenceId, boolean tagged, List<Object> events) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    system.systemActorOf(writer(persistenceId, tagged, events, done), "journal-seed-" + nextWriter.incrementAndGet(),
        Props.empty());
    return done;
  }

  private Behavior<Object> writer(PersistenceId persistenceId, boolean tagged, List<Object> events,
      CompletableFuture<Void> done) {
    return Behaviors.setup(context -> {
      akka.actor.ActorRef self = Adapter.toClassic(context.getSelf());
      if (tagged) {
        journal.tell(new JournalProtocol.ReplayMessages(1, Long.MAX_VALUE, Long.MAX_VALUE, persistenceId.id(), self),
            self);
      } else {
        writeAll(persistenceId, events, self);
      }
      AtomicInteger unwritten = new AtomicInteger(events.size());
      return Behaviors.receive(Object.class)
          .onMessage(JournalProtocol.RecoverySuccess.class, recovered -> {
            if (recovered.highestSequenceNr() != 0) {
              done.completeExceptionally(new IllegalStateException(persistenceId.id() + " exists already"));
              return Behaviors.stopped();
            }
            writeAll(persistenceId, events, self);
            return Behaviors.same();
          })
          .onMessage(JournalProtocol.WriteMessageSuccess.class, written -> {
            if (unwritten.decrementAndGet() > 0) {
              return Behaviors.same();
            }
            done.complete(null);
            return Behaviors.stopped();
          })
          .onMessage(JournalProtocol.ReplayMessagesFailure.class, failed -> failed(done, failed.cause()))
          .onMessage(JournalProtocol.WriteMessageRejected.class, rejected -> failed(done, rejected.cause()))
          .onMessage(JournalProtocol.WriteMessageFailure.class, failed -> failed(done, failed.cause()))
          .onAnyMessage(other -> Behaviors.same()) // WriteMessagesSuccessful
          .build();
    });
  }

  private void writeAll(PersistenceId persistenceId, List<Object> events, akka.actor.ActorRef writer) {
    List<PersistentRepr> reprs = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      reprs.add(PersistentRepr$.MODULE$.apply(events.get(i), i + 1, persistenceId.id(), "", false, null, writerUuid)
          .withTimestamp(System.currentTimeMillis()));
    }
    journal.tell(new JournalProtocol.WriteMessages(
        Util.immutableSeq(List.of(new AtomicWrite(Util.immutableSeq(reprs)))), writer, 0), writer);
  }

  private static Behavior<Object> failed(CompletableFuture<Void> done, Throwable cause) {
    done.completeExceptionally(cause);
    return Behaviors.stopped();
  }
}
