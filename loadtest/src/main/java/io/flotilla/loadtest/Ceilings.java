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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
   * Journal-shaped rows (partition key, sequence number, a blob) inserted into a table of its own in the hub's
   * keyspace, one async insert per call.
   */
  static final class RawInserts implements AutoCloseable {
    private final CqlSession session;
    private final PreparedStatement insert;
    private final ByteBuffer event = ByteBuffer.wrap(new byte[EVENT_BYTES]);

    RawInserts(String contactPoint, String keyspace) {
      int colon = contactPoint.lastIndexOf(':');
      this.session = CqlSessions.open(contactPoint.substring(0, colon),
          Integer.parseInt(contactPoint.substring(colon + 1)), Duration.ofSeconds(30));
      String table = keyspace + ".ceiling_inserts";
      session.execute("CREATE TABLE IF NOT EXISTS " + table
          + " (persistence_id text, sequence_nr bigint, event blob, PRIMARY KEY (persistence_id, sequence_nr))");
      this.insert = session.prepare("INSERT INTO " + table + " (persistence_id, sequence_nr, event) VALUES (?, ?, ?)");
    }

    CompletableFuture<?> insert(int i) {
      return session.executeAsync(insert.bind("ceiling-" + i, 1L, event.duplicate())).toCompletableFuture();
    }

    @Override
    public void close() {
      session.close();
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
