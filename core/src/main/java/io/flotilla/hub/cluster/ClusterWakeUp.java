package io.flotilla.hub.cluster;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.persistence.cassandra.query.javadsl.CassandraReadJournal;
import akka.persistence.query.PersistenceQuery;
import akka.persistence.typed.PersistenceId;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a hub (re)start, wakes every registered cluster's entity, so each runs its health timer
 * even if its agent never reports again. One instance in the whole hub cluster (a sharded daemon
 * process: it moves, and starts over, if its node goes away). A few wake-ups in flight, each
 * answered once its entity recovered, and at most {@code perSecond}: the recoveries of clusters
 * that report or are read after a restart must not queue behind a fixed-rate flood of wake-ups
 * (README "Performance", the restart benchmark).
 */
public final class ClusterWakeUp {
  private static final Logger log = LoggerFactory.getLogger(ClusterWakeUp.class);
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
  private ClusterWakeUp() {}

  public static void init(ActorSystem<?> system, int perSecond, int inFlight) {
    ClusterSharding sharding = ClusterSharding.get(system);
    // the journal, not the directory: a cluster registered just before a crash may not be projected yet
    CassandraReadJournal journal = PersistenceQuery.get(system)
        .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    String prefix = ManagedClusterEntity.ENTITY_KEY.name() + PersistenceId.DefaultSeparator();
    ShardedDaemonProcess.get(system).init(Void.class, "managed-cluster-wake-up", 1,
        instance -> Behaviors.setup(context -> {
          journal.currentPersistenceIds()
              .filter(id -> id.startsWith(prefix))
              .map(id -> id.substring(prefix.length()))
              .throttle(perSecond, Duration.ofSeconds(1))
              .mapAsyncUnordered(inFlight, clusterId -> sharding.entityRefFor(ManagedClusterEntity.ENTITY_KEY, clusterId)
                  .<Done>ask(ManagedClusterEntity.WakeUp::new, ANSWER_TIMEOUT)
                  .exceptionally(timedOut -> Done.getInstance())) // it recovers anyway; go on with the rest
              .runFold(0L, (woken, done) -> woken + 1, system)
              .whenComplete((woken, failure) -> {
                if (failure != null) {
                  log.warn("waking up clusters failed; they wake when their agents report", failure);
                } else {
                  log.info("woke {} cluster entities", woken);
                }
              });
          return Behaviors.empty();
        }),
        ShardedDaemonProcessSettings.create(system), Optional.empty());
  }
}
