package io.flotilla.persistence;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedCassandraTest {

    private static final String KEYSPACE = "lifecycle";

    /**
     * One flow, to pay for three starts only: a leftover child recorded in the pid file is killed; CQL
     * answers; a second start on the same directory is refused while it is in use; close stops the
     * child; a restart on the same directory finds the data, on the same port; a crash (kill) right
     * after acknowledged writes loses none of them, and the next start serves on the same port again.
     */
    @Test
    void startWriteStopRestartAndFindTheRow() throws Exception {
        Path dir = freshDirWithStaleChild();
        Path realDir;
        long firstPid;
        int firstPort;

        EmbeddedCassandra first = EmbeddedCassandra.start(dir);
        try {
            realDir = dir.toRealPath();
            assertEquals(realDir, first.dataDir());
            assertEquals("127.0.0.1", first.host());
            assertTrue(first.port() > 0);
            assertEquals("127.0.0.1:" + first.port(), first.contactPoint());
            firstPid = first.pid();
            firstPort = first.port();
            assertTrue(TestSupport.isAlive(firstPid));
            String commandLine = EmbeddedCassandra.commandLine(ProcessHandle.of(firstPid).orElseThrow()).orElse("");
            assertTrue(commandLine.contains(" " + CassandraChild.class.getName()), commandLine);
            assertTrue(commandLine.contains(EmbeddedCassandra.DATA_DIR_MARKER + realDir + " "), commandLine);
            assertEquals(String.valueOf(firstPid), Files.readString(realDir.resolve("cassandra.pid")).trim());
            assertTrue(Files.size(realDir.resolve("logs").resolve("stdout.log")) > 0);
            assertTrue(Files.exists(realDir.resolve("conf").resolve("cassandra.yaml")));

            try (CqlSession session = TestSupport.session(first)) {
                Row version = session.execute("SELECT release_version FROM system.local").one();
                assertNotNull(version);
                assertTrue(version.getString(0).startsWith("5.0"), version.getString(0));
                session.execute("CREATE KEYSPACE " + KEYSPACE
                        + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
                session.execute("CREATE TABLE " + KEYSPACE + ".kv (k text PRIMARY KEY, v bigint)");
                session.execute("INSERT INTO " + KEYSPACE + ".kv (k, v) VALUES ('answer', 42)");
                assertEquals(42L, session.execute("SELECT v FROM " + KEYSPACE + ".kv WHERE k = 'answer'").one().getLong(0));
            }

            EmbeddedCassandraException inUse = assertThrows(EmbeddedCassandraException.class,
                    () -> EmbeddedCassandra.start(dir));
            assertTrue(inUse.getMessage().contains("is already used by another running Flotilla process"), inUse.getMessage());
            assertTrue(TestSupport.isAlive(firstPid), "the refused start must leave the running one alone");
        } finally {
            first.close();
        }
        assertFalse(TestSupport.isAlive(firstPid), "close() returns once the child has exited");
        assertFalse(Files.exists(realDir.resolve("cassandra.pid")));
        first.close(); // idempotent

        EmbeddedCassandra second = EmbeddedCassandra.start(dir);
        try {
            assertEquals(realDir, second.dataDir());
            assertEquals(firstPort, second.port(), "a restart reuses the ports recorded by the previous start");
            try (CqlSession session = TestSupport.session(second)) {
                Row row = session.execute("SELECT v FROM " + KEYSPACE + ".kv WHERE k = 'answer'").one();
                assertNotNull(row, "the row written before the restart");
                assertEquals(42L, row.getLong(0));
                for (int i = 0; i < CRASH_ROWS; i++) {
                    session.execute("INSERT INTO " + KEYSPACE + ".kv (k, v) VALUES ('crash-" + i + "', " + i + ")");
                }
                second.kill(); // at once: no drain, so the rows are in the commit log only
            }
            long secondPid = second.pid();
            assertFalse(TestSupport.isAlive(secondPid), "kill() returns once the child has exited");
            assertFalse(Files.exists(realDir.resolve("cassandra.pid")));
        } finally {
            second.close(); // nothing left to do after kill()
        }

        try (EmbeddedCassandra third = EmbeddedCassandra.start(dir);
             CqlSession session = TestSupport.session(third)) {
            assertEquals(firstPort, third.port(), "the same port after a crash too");
            assertEquals(42L, session.execute("SELECT v FROM " + KEYSPACE + ".kv WHERE k = 'answer'").one().getLong(0));
            for (int i = 0; i < CRASH_ROWS; i++) {
                Row row = session.execute("SELECT v FROM " + KEYSPACE + ".kv WHERE k = 'crash-" + i + "'").one();
                assertNotNull(row, "acknowledged write " + i + " of " + CRASH_ROWS + " before the crash");
                assertEquals(i, row.getLong(0));
            }
        }
    }

    /** Rows written (each acknowledged) right before the kill: the last ones are younger than a periodic sync. */
    private static final int CRASH_ROWS = 200;

    /** A leftover child that the start must kill: a JVM whose command line names the directory. */
    private static Path freshDirWithStaleChild() throws Exception {
        Path dir = TestSupport.freshDir("lifecycle");
        Files.createDirectories(dir);
        Process stale = TestSupport.spawnJava(StaleProcessMain.class, dir.resolve("stale-stderr.log"),
                List.of(EmbeddedCassandra.DATA_DIR_MARKER + dir.toRealPath()));
        TestSupport.OutputReader out = new TestSupport.OutputReader(stale, "stale-stdout");
        out.lineMatching(line -> line.startsWith("STALE ")).get(30, TimeUnit.SECONDS);
        Files.writeString(dir.resolve("cassandra.pid"), stale.pid() + "\n");
        return dir;
    }

    @Test
    void startFailsWithTheLogTailWhenCassandraIsNotReadyInTime() throws Exception {
        Path dir = TestSupport.freshDir("too-slow");
        EmbeddedCassandraException e = assertThrows(EmbeddedCassandraException.class,
                () -> EmbeddedCassandra.start(dir, Duration.ofMillis(300)));
        assertTrue(e.getMessage().contains("did not answer CQL"), e.getMessage());
        assertTrue(e.getMessage().contains("Last lines of"), e.getMessage());
        String realDir = dir.toRealPath().toString();
        assertTrue(TestSupport.processesMentioning(realDir).isEmpty(), "no child left running on " + realDir);
        assertFalse(Files.exists(dir.resolve("cassandra.pid")));
        // the directory was released: the lock can be taken again (and refused when it is held)
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(dir.resolve("launcher.lock"),
                java.nio.file.StandardOpenOption.WRITE)) {
            assertNotNull(channel.tryLock());
        }
    }
}
