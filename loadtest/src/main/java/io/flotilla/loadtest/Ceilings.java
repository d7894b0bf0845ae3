package io.flotilla.loadtest;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.ConnectionContext;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.Directives;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.flotilla.persistence.CqlSessions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/**
 * What this machine does with nothing of Flotilla in the way, measured in the same run as the hub's
 * figures so that they can be read as ratios: raw async CQL inserts on the hub's own Cassandra, and a
 * no-op route on the hub's own Akka HTTP (same actor system, same TLS).
 */
final class Ceilings {
  /** About a serialized registration event with its metadata, as the journal stores it. */
  private static final int EVENT_BYTES = 600;

  private Ceilings() {}

  /**
   * Inserts count journal-shaped rows (partition key, sequence number, a blob) into a table of its own in
   * keyspace, at most concurrency in flight; answers inserts per second.
   */
  static double cqlInsertsPerSecond(String contactPoint, String keyspace, int count, int concurrency)
      throws Exception {
    int colon = contactPoint.lastIndexOf(':');
    try (CqlSession session = CqlSessions.open(contactPoint.substring(0, colon),
        Integer.parseInt(contactPoint.substring(colon + 1)), Duration.ofSeconds(30))) {
      String table = keyspace + ".ceiling_inserts";
      session.execute("CREATE TABLE IF NOT EXISTS " + table
          + " (persistence_id text, sequence_nr bigint, event blob, PRIMARY KEY (persistence_id, sequence_nr))");
      PreparedStatement insert = session.prepare("INSERT INTO " + table
          + " (persistence_id, sequence_nr, event) VALUES (?, ?, ?)");
      ByteBuffer event = ByteBuffer.wrap(new byte[EVENT_BYTES]);
      Semaphore inFlight = new Semaphore(concurrency);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      long start = System.nanoTime();
      for (int i = 0; i < count && failure.get() == null; i++) {
        inFlight.acquire();
        session.executeAsync(insert.bind("ceiling-" + i, 1L, event.duplicate())).whenComplete((rows, error) -> {
          if (error != null) {
            failure.compareAndSet(null, error);
          }
          inFlight.release();
        });
      }
      inFlight.acquire(concurrency);
      if (failure.get() != null) {
        throw new IllegalStateException("raw CQL inserts failed", failure.get());
      }
      return count / ((System.nanoTime() - start) / 1e9);
    }
  }

  /** A route that reads the request body and answers {} over HTTPS, in the hub's actor system. */
  static ServerBinding bindNoOpRoute(ActorSystem<?> system, SSLContext tls) throws Exception {
    return Http.get(system).newServerAt("127.0.0.1", 0)
        .enableHttps(ConnectionContext.httpsServer(tls))
        .bind(Directives.entity(Unmarshaller.entityToString(), body ->
            Directives.complete(HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, "{}"))))
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** "x /s = r % of the ceiling (y /s)". */
  static String ratio(double perSecond, double ceiling) {
    return String.format("%.0f /s = %.1f %% of %.0f /s", perSecond, 100 * perSecond / ceiling, ceiling);
  }
}
