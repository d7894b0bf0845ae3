package io.flotilla.hub.http;

import akka.actor.typed.ActorSystem;
import akka.stream.alpakka.cassandra.javadsl.CassandraSession;
import io.flotilla.hub.events.EventRecorder;
import io.flotilla.hub.HubMetrics;
import io.flotilla.hub.events.ObjectEvents;
import io.flotilla.hub.objects.Kinds;
import io.flotilla.hub.objects.ObjectHistory;
import io.flotilla.hub.objects.ObjectIndex;
import io.flotilla.hub.objects.ObjectIndexProjection;
import io.flotilla.hub.objects.ObjectStore;
import io.flotilla.hub.objects.WatchCache;
import io.flotilla.hub.security.TokenCipher;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts the stored-object kinds on a hub node: entities, list index (its tables in embedded mode),
 * projection, and the node's watch cache (`flotilla.hub.watch`).
 */
public final class ObjectApi {
  private ObjectApi() {}

  /** Answers the kinds' handlers for {@link ResourceRoutes}. */
  public static List<ResourceHandler> start(ActorSystem<?> system, CassandraSession session, String keyspace,
      boolean createTables, TokenCipher cipher, Duration askTimeout, EventRecorder events) throws Exception {
    ObjectIndex index = new ObjectIndex(session, keyspace);
    if (createTables) {
      index.createTables().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }
    ObjectIndexProjection.init(system, index);
    WatchCache watches = WatchCache.start(system, index,
        WatchCache.Settings.fromConfig(system.settings().config().getConfig("flotilla.hub.watch")));
    return ObjectHandler.all(Kinds.all(cipher), ObjectStore.init(system, askTimeout), index, watches,
        new ObjectHistory(system), new ObjectEvents(events, HubMetrics.get(system)));
  }
}
