package io.flotilla.hub;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.ShardedDaemonProcessSettings;
import akka.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import akka.persistence.cassandra.query.javadsl.CassandraReadJournal;
import akka.persistence.query.Offset;
import akka.projection.HandlerRecoveryStrategy;
import akka.projection.Projection;
import akka.projection.ProjectionBehavior;
import akka.projection.ProjectionId;
import akka.projection.StatusObserver;
import akka.projection.cassandra.javadsl.CassandraProjection;
import akka.projection.eventsourced.EventEnvelope;
import akka.projection.eventsourced.javadsl.EventSourcedProvider;
import akka.projection.javadsl.Handler;
import akka.projection.javadsl.SourceProvider;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntFunction;

/**
 * One at-least-once projection per tag slice of an entity's events (offsets in Cassandra), run by
 * a ShardedDaemonProcess so the slices spread over the hub's nodes. Handlers must be idempotent:
 * after a restart a slice replays from its last stored offset.
 */
public final class TaggedProjections {
  private TaggedProjections() {}

  /** Envelopes one at a time, in the tag's order. */
  public static <E> void start(ActorSystem<?> system, String name, int slices, IntFunction<String> tag,
      IntFunction<Handler<EventEnvelope<E>>> handler) {
    TaggedProjections.<E>run(system, name, slices, tag, (slice, id, events) -> CassandraProjection.atLeastOnce(id, events,
        () -> handler.apply(slice)));
  }

  /**
   * Envelopes a group at a time ({@code flotilla.hub.projections.group-size} envelopes or
   * {@code group-within}, whichever comes first) in {@code lanes} concurrent lanes: an entity's
   * envelopes all go to one lane, in order; the offset is stored after the whole group. For
   * handlers that need only each entity's own order (a read model keyed by entity): a sequential
   * slice runs at the latency of its writes, ~100 envelopes/s. Lanes, not one chain per entity, so a
   * group never has more writes in flight than the driver's connection takes (1,024 by default).
   */
  public static <E> void startPerEntity(ActorSystem<?> system, String name, int slices, IntFunction<String> tag,
      IntFunction<Handler<EventEnvelope<E>>> handler) {
    Config config = system.settings().config().getConfig("flotilla.hub.projections");
    int groupSize = config.getInt("group-size");
    Duration within = config.getDuration("group-within");
    int lanes = config.getInt("lanes");
    TaggedProjections.<E>run(system, name, slices, tag, (slice, id, events) -> CassandraProjection.groupedWithin(id, events,
            () -> new PerEntity<>(handler.apply(slice), lanes))
        .withGroup(groupSize, within));
  }

  private interface SliceProjection<E> {
    Projection<EventEnvelope<E>> create(int slice, ProjectionId id, SourceProvider<Offset, EventEnvelope<E>> events);
  }

  private static <E> void run(ActorSystem<?> system, String name, int slices, IntFunction<String> tag,
      SliceProjection<E> projection) {
    HubMetrics metrics = HubMetrics.get(system);
    ShardedDaemonProcess.get(system).init(ProjectionBehavior.Command.class, name, slices,
        slice -> ProjectionBehavior.create(projection.create(slice, ProjectionId.of(name, tag.apply(slice)),
                EventSourcedProvider.<E>eventsByTag(system, CassandraReadJournal.Identifier(), tag.apply(slice)))
            .withStatusObserver(new LagObserver<>(metrics, String.valueOf(slice)))),
        ShardedDaemonProcessSettings.create(system),
        Optional.of(ProjectionBehavior.stopMessage()));
  }

  /** Sets {@code flotilla_projection_lag_seconds} after each envelope: how far behind the writes a read model is. */
  private static final class LagObserver<E> extends StatusObserver<EventEnvelope<E>> {
    private final HubMetrics metrics;
    private final String slice;

    LagObserver(HubMetrics metrics, String slice) {
      this.metrics = metrics;
      this.slice = slice;
    }

    @Override
    public void afterProcess(ProjectionId id, EventEnvelope<E> envelope) {
      metrics.projectionLag(id.name(), slice, System.currentTimeMillis() - envelope.timestamp());
    }

    @Override
    public void started(ProjectionId id) {}

    @Override
    public void failed(ProjectionId id, Throwable cause) {}

    @Override
    public void stopped(ProjectionId id) {}

    @Override
    public void beforeProcess(ProjectionId id, EventEnvelope<E> envelope) {}

    @Override
    public void offsetProgress(ProjectionId id, EventEnvelope<E> envelope) {}

    @Override
    public void error(ProjectionId id, EventEnvelope<E> envelope, Throwable cause, HandlerRecoveryStrategy recovery) {}
  }

  /** A group's envelopes chained per lane (an entity's always in the same one), the lanes run concurrently. */
  static final class PerEntity<E> extends Handler<List<EventEnvelope<E>>> {
    private final Handler<EventEnvelope<E>> handler;
    private final int lanes;

    PerEntity(Handler<EventEnvelope<E>> handler, int lanes) {
      this.handler = handler;
      this.lanes = lanes;
    }

    @Override
    public CompletionStage<Done> start() {
      return handler.start();
    }

    @Override
    public CompletionStage<Done> stop() {
      return handler.stop();
    }

    @Override
    public CompletionStage<Done> process(List<EventEnvelope<E>> envelopes) {
      Map<Integer, CompletionStage<Done>> chains = new HashMap<>();
      for (EventEnvelope<E> envelope : envelopes) {
        chains.compute(Math.floorMod(envelope.persistenceId().hashCode(), lanes), (lane, earlier) -> earlier == null
            ? processing(envelope) : earlier.thenCompose(done -> processing(envelope)));
      }
      return CompletableFuture.allOf(chains.values().stream().map(CompletionStage::toCompletableFuture)
          .toArray(CompletableFuture[]::new)).thenApply(all -> Done.getInstance());
    }

    private CompletionStage<Done> processing(EventEnvelope<E> envelope) {
      try {
        return handler.process(envelope);
      } catch (Exception e) {
        return CompletableFuture.failedFuture(e);
      }
    }
  }
}
