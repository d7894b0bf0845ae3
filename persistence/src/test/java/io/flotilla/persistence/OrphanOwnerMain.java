package io.flotilla.persistence;

import com.datastax.oss.driver.api.core.CqlSession;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Used by {@link OrphanTest} in a separate JVM: starts an EmbeddedCassandra on the directory given as
 * argument, writes a row, prints {@code READY <port> <cassandraPid>} and blocks until it is killed.
 */
public final class OrphanOwnerMain {

    static final String KEYSPACE = "orphan_test";

    private OrphanOwnerMain() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedCassandra cassandra = EmbeddedCassandra.start(Path.of(args[0]));
        try (CqlSession session = TestSupport.session(cassandra)) {
            session.execute("CREATE KEYSPACE " + KEYSPACE
                    + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
            session.execute("CREATE TABLE " + KEYSPACE + ".kv (k text PRIMARY KEY, v text)");
            session.execute("INSERT INTO " + KEYSPACE + ".kv (k, v) VALUES ('written-by', 'the killed owner')");
        }
        System.out.println("READY " + cassandra.port() + " " + cassandra.pid());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
