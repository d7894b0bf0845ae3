package io.flotilla.hub.objects;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Starts the object entities' sharding and asks them by key ({@link ObjectEntity#key}). */
public final class ObjectStore {
  private final ClusterSharding sharding;
  private final Duration askTimeout;

  private ObjectStore(ClusterSharding sharding, Duration askTimeout) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
  }

  public static ObjectStore init(ActorSystem<?> system, Duration askTimeout) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(ObjectEntity.ENTITY_KEY, ctx -> ObjectEntity.create(ctx.getEntityId(), Clock.systemUTC())));
    return new ObjectStore(sharding, askTimeout);
  }

  public CompletionStage<ObjectEntity.Reply> ask(String key,
      Function<ActorRef<ObjectEntity.Reply>, ObjectEntity.Command> command) {
    return sharding.entityRefFor(ObjectEntity.ENTITY_KEY, key).ask(command::apply, askTimeout);
  }
}
