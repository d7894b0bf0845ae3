package io.flotilla.hub.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * When each ManagedCluster entity running on this node next checks its heartbeat: one wheel per
 * node instead of a timer per entity (Akka's timer scheduler kept ~300 bytes of every running
 * cluster; an entry here is a reference in a list). Entities do not cancel checks: a report only
 * moves the entity's window, and a check that finds the window moved books the next one. Time is
 * counted in the wheel's own ticks, driven by the actor system's scheduler, so a check runs on the
 * first tick at or after its time (never early) and ManualTime drives it in tests.
 */
public final class HealthCheckWheel {
  private final long tickMillis;
  private final TreeMap<Long, List<ActorRef<ManagedClusterEntity.Command>>> checksByTick = new TreeMap<>();
  private volatile long now;

  private HealthCheckWheel(Duration tick) {
    this.tickMillis = tick.toMillis();
  }

  /** A wheel turning every {@code tick} for as long as {@code system} runs. */
  public static HealthCheckWheel start(ActorSystem<?> system, Duration tick) {
    HealthCheckWheel wheel = new HealthCheckWheel(tick);
    system.scheduler().scheduleAtFixedRate(tick, tick, wheel::turn, system.executionContext());
    return wheel;
  }

  /** The current tick. */
  long now() {
    return now;
  }

  /** How many ticks {@code duration} spans, rounded up. */
  long ticks(Duration duration) {
    return (duration.toMillis() + tickMillis - 1) / tickMillis;
  }

  /** Sends {@code entity} a {@link ManagedClusterEntity.HeartbeatOverdue} on tick {@code tick}. */
  synchronized void checkAt(long tick, ActorRef<ManagedClusterEntity.Command> entity) {
    checksByTick.computeIfAbsent(tick, t -> new ArrayList<>()).add(entity);
  }

  private void turn() {
    List<List<ActorRef<ManagedClusterEntity.Command>>> due = new ArrayList<>();
    synchronized (this) {
      now++;
      for (Map.Entry<Long, List<ActorRef<ManagedClusterEntity.Command>>> first = checksByTick.firstEntry();
          first != null && first.getKey() <= now; first = checksByTick.firstEntry()) {
        due.add(checksByTick.pollFirstEntry().getValue());
      }
    }
    // entities that stopped since (passivated, moved to another node) get it as a suppressed dead letter
    due.forEach(entities -> entities.forEach(entity -> entity.tell(ManagedClusterEntity.HeartbeatOverdue.INSTANCE)));
  }
}
