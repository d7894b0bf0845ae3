package io.flotilla.hub.apps;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.StashBuffer;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import io.flotilla.api.CborSerializable;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * One Subscription's controller (sharded, key "namespace/name"): runs its reconciles one at a
 * time, so two changes never render the same Bases concurrently. It keeps nothing that matters
 * across restarts: everything it decides is written to objects (Bases, Descriptions, the
 * Subscription's status), and the triggers that call it are projections that retry until it
 * answers. A Subscription waiting for a feed that does not exist yet is retried by a timer.
 */
public final class SubscriptionController {
  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Subscription");
  private static final int STASH_CAPACITY = 10_000;
  static final Duration FEED_RETRY = Duration.ofSeconds(10);
  /** Descriptions' reports are aggregated at most this often per Subscription. */
  static final Duration AGGREGATE_DELAY = Duration.ofSeconds(2);

  public sealed interface Command extends CborSerializable {}

  /** The Subscription object was written: reconcile unless this generation is done already. */
  public record SubscriptionChanged(long generation, boolean deleting, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** A feed or a Globalization it uses changed: render everything again (unchanged output writes nothing). */
  public record Reconcile(ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** The cluster in this dedicated namespace joined, changed labels or left; rerender: its Localizations changed. */
  public record ClusterChanged(String clusterNamespace, boolean rerender, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** An agent reported on one of this Subscription's Descriptions: aggregate soon (reports come in bursts). */
  public record DescriptionReported(ActorRef<StatusReply<Done>> replyTo) implements Command {}

  private enum Aggregate implements Command { INSTANCE }

  private record Finished(SubscriptionReconciler.Outcome outcome, Throwable failure, long generation,
      ActorRef<StatusReply<Done>> replyTo) implements Command {}

  private enum RetryFeeds implements Command { INSTANCE }

  private final ActorContext<Command> context;
  private final StashBuffer<Command> stash;
  private final TimerScheduler<Command> timers;
  private final SubscriptionReconciler reconciler;
  private final String namespace;
  private final String name;
  /** The generation last reconciled in full; our own status writes come back as events of the same one. */
  private long reconciledGeneration = -1;

  private SubscriptionController(ActorContext<Command> context, StashBuffer<Command> stash,
      TimerScheduler<Command> timers, SubscriptionReconciler reconciler, String key) {
    this.context = context;
    this.stash = stash;
    this.timers = timers;
    this.reconciler = reconciler;
    this.namespace = key.substring(0, key.indexOf('/'));
    this.name = key.substring(key.indexOf('/') + 1);
  }

  public static String entityId(String namespace, String name) {
    return namespace + "/" + name;
  }

  static Behavior<Command> create(String key, SubscriptionReconciler reconciler) {
    return Behaviors.withStash(STASH_CAPACITY, stash -> Behaviors.withTimers(timers -> Behaviors.setup(context ->
        new SubscriptionController(context, stash, timers, reconciler, key).idle())));
  }

  private Behavior<Command> idle() {
    return Behaviors.receive(Command.class)
        .onMessage(SubscriptionChanged.class, cmd -> {
          if (!cmd.deleting() && cmd.generation() == reconciledGeneration) {
            cmd.replyTo().tell(StatusReply.ack());
            return Behaviors.same();
          }
          return run(reconciler.reconcile(namespace, name), cmd.generation(), cmd.replyTo());
        })
        .onMessage(Reconcile.class, cmd -> run(reconciler.reconcile(namespace, name), -1, cmd.replyTo()))
        .onMessage(ClusterChanged.class, cmd -> run(
            reconciler.reconcileCluster(namespace, name, cmd.clusterNamespace(), cmd.rerender()),
            reconciledGeneration, cmd.replyTo()))
        .onMessageEquals(RetryFeeds.INSTANCE, () -> run(reconciler.reconcile(namespace, name), -1, null))
        .onMessage(DescriptionReported.class, cmd -> {
          if (!timers.isTimerActive(Aggregate.INSTANCE)) {
            timers.startSingleTimer(Aggregate.INSTANCE, AGGREGATE_DELAY);
          }
          cmd.replyTo().tell(StatusReply.ack());
          return Behaviors.same();
        })
        .onMessageEquals(Aggregate.INSTANCE, () -> run(reconciler.aggregate(namespace, name), reconciledGeneration,
            null))
        .build();
  }

  private Behavior<Command> run(CompletionStage<SubscriptionReconciler.Outcome> work, long generation,
      ActorRef<StatusReply<Done>> replyTo) {
    context.pipeToSelf(work, (outcome, failure) -> new Finished(outcome, failure, generation, replyTo));
    return busy();
  }

  private Behavior<Command> busy() {
    return Behaviors.receive(Command.class)
        .onMessage(Finished.class, this::onFinished)
        .onAnyMessage(cmd -> {
          stash.stash(cmd);
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onFinished(Finished finished) {
    if (finished.failure() != null) {
      context.getLog().warn("reconcile of Subscription {}/{} failed", namespace, name, finished.failure());
      reconciledGeneration = -1;
      reply(finished.replyTo(), StatusReply.error(finished.failure()));
    } else {
      reconciledGeneration = finished.generation();
      if (finished.outcome() == SubscriptionReconciler.Outcome.WAITING_FOR_FEEDS) {
        reconciledGeneration = -1;
        timers.startSingleTimer(RetryFeeds.INSTANCE, FEED_RETRY);
      }
      reply(finished.replyTo(), StatusReply.ack());
    }
    return stash.unstashAll(idle());
  }

  private static void reply(ActorRef<StatusReply<Done>> replyTo, StatusReply<Done> reply) {
    if (replyTo != null) {
      replyTo.tell(reply);
    }
  }
}
