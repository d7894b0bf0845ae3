package io.flotilla.persistence;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The owner of an EmbeddedCassandra dies by SIGKILL: its Cassandra must not outlive it. */
class OrphanTest {

    @Test
    void cassandraExitsWhenItsOwnerIsKilledAndTheNextStartFindsTheData() throws Exception {
        Path dir = TestSupport.freshDir("orphan");
        Files.createDirectories(dir);
        Path ownerLog = dir.resolveSibling(dir.getFileName() + "-owner.log");
        Process owner = TestSupport.spawnJava(OrphanOwnerMain.class, ownerLog, List.of(), dir.toString());
        TestSupport.OutputReader out = new TestSupport.OutputReader(owner, "orphan-owner-stdout");
        long cassandraPid;
        try {
            String ready;
            try {
                ready = out.lineMatching(line -> line.startsWith("READY ")).get(150, TimeUnit.SECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                fail("the owner JVM did not report READY: " + e + "\nstdout:\n" + out.output()
                        + "\nstderr:\n" + (Files.exists(ownerLog) ? Files.readString(ownerLog) : ""));
                return;
            }
            String[] fields = ready.split(" ");
            cassandraPid = Long.parseLong(fields[2]);
            ProcessHandle cassandra = ProcessHandle.of(cassandraPid).orElseThrow();
            assertEquals(owner.pid(), cassandra.parent().map(ProcessHandle::pid).orElse(-1L));

            // while the owner lives, its directory is refused to this other process
            EmbeddedCassandraException inUse = assertThrows(EmbeddedCassandraException.class,
                    () -> EmbeddedCassandra.start(dir));
            assertTrue(inUse.getMessage().contains("is already used by another running Flotilla process"), inUse.getMessage());
            assertTrue(inUse.getMessage().contains("pid " + owner.pid()), inUse.getMessage());
            assertTrue(cassandra.isAlive());

            owner.destroyForcibly(); // SIGKILL: no shutdown hook runs in the owner
            assertTrue(owner.waitFor(30, TimeUnit.SECONDS), "the owner JVM exits on SIGKILL");

            assertTrue(TestSupport.awaitExit(cassandra, Duration.ofSeconds(60)),
                    "Cassandra (pid " + cassandraPid + ") must exit by itself once its owner is gone");
        } finally {
            owner.destroyForcibly();
        }
        String log = Files.readString(dir.resolve("logs").resolve("stdout.log"));
        assertTrue(log.contains("parent process is gone"), "the child logged why it stopped");

        try (EmbeddedCassandra cassandra = EmbeddedCassandra.start(dir);
             CqlSession session = TestSupport.session(cassandra)) {
            Row row = session.execute("SELECT v FROM " + OrphanOwnerMain.KEYSPACE + ".kv WHERE k = 'written-by'").one();
            assertNotNull(row, "the row written by the killed owner's Cassandra");
            assertEquals("the killed owner", row.getString(0));
        }
    }
}
