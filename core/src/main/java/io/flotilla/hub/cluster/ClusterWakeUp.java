package io.flotilla.hub.cluster;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.persistence.typed.PersistenceId;
import akka.stream.AbruptStageTerminationException;
import akka.stream.AbruptTerminationException;
import akka.stream.Materializer;
import akka.stream.alpakka.cassandra.javadsl.CassandraSession;
import akka.stream.javadsl.Source;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a hub (re)start, wakes every registered cluster's entity, so each checks its heartbeat
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

  /**
   * @param session reads the journal's table of persistence IDs (the journal, not the directory:
   *     a cluster registered just before a crash may not be projected yet)
   */
  public static void init(ActorSystem<?> system, CassandraSession session, int perSecond, int inFlight) {
    ClusterSharding sharding = ClusterSharding.get(system);
    Config journal = system.settings().config().getConfig("akka.persistence.cassandra.journal");
    // straight from the table, not the read journal's currentPersistenceIds: that keeps every ID it
    // has passed in a set until it ends, to drop repeats the table cannot have (~300 MB at 1,000,000
    // clusters, each with its namespace claim's ID)
    String keyspace = journal.getString("keyspace");
    String table = journal.getString("all-persistence-ids-table");
    String prefix = ManagedClusterEntity.ENTITY_KEY.name() + PersistenceId.DefaultSeparator();
    ShardedDaemonProcess.get(system).init(Void.class, "managed-cluster-wake-up", 1,
        instance -> Behaviors.setup(context -> {
          // on a new keyspace the journal creates the table with its first write: none yet, none to wake
          Source.completionStageSource(session.underlying().thenApply(cql -> cql.getMetadata().getKeyspace(keyspace)
                  .flatMap(tables -> tables.getTable(table)).isPresent()
                  ? session.select("SELECT persistence_id FROM " + keyspace + "." + table)
                  : Source.<Row>empty()))
              .map(row -> row.getString(0))
              .filter(id -> id.startsWith(prefix))
              .map(id -> id.substring(prefix.length()))
              .throttle(perSecond, Duration.ofSeconds(1))
              .mapAsyncUnordered(inFlight, clusterId -> sharding.entityRefFor(ManagedClusterEntity.ENTITY_KEY, clusterId)
                  .<Done>ask(ManagedClusterEntity.WakeUp::new, ANSWER_TIMEOUT)
                  .exceptionally(timedOut -> Done.getInstance())) // it recovers anyway; go on with the rest
              // stops with this process (the hub shutting down, or the process moving to another node)
              .runFold(0L, (woken, done) -> woken + 1, Materializer.createMaterializer(context))
              .whenComplete((woken, failure) -> {
                if (failure instanceof AbruptStageTerminationException || failure instanceof AbruptTerminationException) {
                  log.info("waking up clusters stopped with its process; the rest wake when their agents report");
                } else if (failure != null) {
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
