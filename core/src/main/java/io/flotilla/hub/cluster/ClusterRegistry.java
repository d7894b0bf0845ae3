package io.flotilla.hub.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.ClusterShardingSettings;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flotilla.api.StatusException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Starts the cluster entities' sharding, and asks them: by cluster ID, or by dedicated namespace. */
public final class ClusterRegistry {
  private final ClusterSharding sharding;
  private final Duration askTimeout;

  private ClusterRegistry(ClusterSharding sharding, Duration askTimeout) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
  }

  public static ClusterRegistry init(ActorSystem<?> system, ManagedClusterEntity.Dependencies deps) {
    ClusterSharding sharding = ClusterSharding.get(system);
    // a stop message of its own: without one, sharding wraps every entity in an interceptor for
    // PoisonPill (~100 bytes of each running cluster)
    sharding.init(Entity.of(ManagedClusterEntity.ENTITY_KEY,
            ctx -> ManagedClusterEntity.create(ctx.getEntityId(), deps))
        .withStopMessage(ManagedClusterEntity.Stop.INSTANCE));
    sharding.init(Entity.of(DedicatedNamespaceEntity.ENTITY_KEY,
            ctx -> DedicatedNamespaceEntity.create(ctx.getEntityId()))
        .withSettings(namespaceOwnerSettings(system)));
    return new ClusterRegistry(sharding, deps.askTimeout());
  }

  /**
   * A namespace's owner is asked when a cluster registers and when an admin reads one cluster by path, never by
   * heartbeats: it passivates after {@code flotilla.hub.namespace-owner-idle-timeout} instead of staying in memory
   * as long as its reporting cluster (one entity per registered cluster instead of two).
   */
  private static ClusterShardingSettings namespaceOwnerSettings(ActorSystem<?> system) {
    Config config = system.settings().config();
    return ClusterShardingSettings.fromConfig(ConfigFactory.parseMap(Map.of(
            "passivation.default-idle-strategy.idle-entity.timeout",
            config.getDuration("flotilla.hub.namespace-owner-idle-timeout").toMillis() + "ms"))
        .withFallback(config.getConfig("akka.cluster.sharding")));
  }

  public CompletionStage<ManagedClusterEntity.Reply> ask(String clusterId,
      Function<ActorRef<ManagedClusterEntity.Reply>, ManagedClusterEntity.Command> command) {
    return sharding.entityRefFor(ManagedClusterEntity.ENTITY_KEY, clusterId).ask(command::apply, askTimeout);
  }

  /** The cluster that owns a dedicated namespace, if any. */
  public CompletionStage<Optional<String>> ownerOf(String namespace) {
    if (namespace.length() > 63) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return sharding.entityRefFor(DedicatedNamespaceEntity.ENTITY_KEY, namespace)
        .<DedicatedNamespaceEntity.Owner>ask(DedicatedNamespaceEntity.GetOwner::new, askTimeout)
        .thenApply(owner -> Optional.ofNullable(owner.clusterId()));
  }

  /** Unwraps an entity reply; errors become the matching Status. */
  public static <T extends ManagedClusterEntity.Reply> T expect(ManagedClusterEntity.Reply reply, Class<T> type,
      Function<ManagedClusterEntity.Reply, StatusException> otherwise) {
    if (type.isInstance(reply)) {
      return type.cast(reply);
    }
    if (reply instanceof ManagedClusterEntity.Unavailable unavailable) {
      throw StatusException.unavailable(unavailable.message());
    }
    throw otherwise.apply(reply);
  }
}
