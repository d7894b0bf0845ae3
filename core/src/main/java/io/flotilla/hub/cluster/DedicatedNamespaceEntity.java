package io.flotilla.hub.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import io.flotilla.api.CborSerializable;

/**
 * Who owns a dedicated namespace. One entity per namespace name: the first cluster to claim it
 * keeps it forever, so two clusters can never share one (generated names are only 5 random
 * characters: at a million clusters they collide, and this is where that is caught). It also
 * answers namespace → cluster lookups for the namespaced API paths.
 */
public final class DedicatedNamespaceEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        DedicatedNamespaceEntity.Command, DedicatedNamespaceEntity.Event, DedicatedNamespaceEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "DedicatedNamespace");

  public sealed interface Command extends CborSerializable {}

  /** Claim the namespace for a cluster; granted when free or already this cluster's. */
  public record Claim(String clusterId, ActorRef<Owner> replyTo) implements Command {}

  public record GetOwner(ActorRef<Owner> replyTo) implements Command {}

  /** clusterId is null when nobody owns the namespace. */
  public record Owner(String namespace, String clusterId, boolean granted) implements CborSerializable {}

  public sealed interface Event extends CborSerializable {}

  public record Claimed(String namespace, String clusterId) implements Event {}

  public record State(String owner) implements CborSerializable {}

  private final String namespace;

  private DedicatedNamespaceEntity(String namespace) {
    super(PersistenceId.of(ENTITY_KEY.name(), namespace));
    this.namespace = namespace;
  }

  public static Behavior<Command> create(String namespace) {
    return new DedicatedNamespaceEntity(namespace);
  }

  @Override
  public State emptyState() {
    return new State(null);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Claim.class, this::onClaim)
        .onCommand(GetOwner.class, (state, cmd) ->
            Effect().reply(cmd.replyTo(), new Owner(namespace, state.owner(), false)))
        .build();
  }

  private akka.persistence.typed.javadsl.ReplyEffect<Event, State> onClaim(State state, Claim cmd) {
    if (state.owner() == null) {
      return Effect()
          .persist(new Claimed(namespace, cmd.clusterId()))
          .thenReply(cmd.replyTo(), s -> new Owner(namespace, s.owner(), true));
    }
    boolean granted = state.owner().equals(cmd.clusterId());
    return Effect().reply(cmd.replyTo(), new Owner(namespace, state.owner(), granted));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Claimed.class, (state, event) -> new State(event.clusterId()))
        .build();
  }
}
