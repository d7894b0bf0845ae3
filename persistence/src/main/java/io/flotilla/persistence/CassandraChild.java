package io.flotilla.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Main class of the Cassandra child JVM started by {@link EmbeddedCassandra}.
 *
 * <p>It first starts a daemon thread that reads {@code System.in} until end of file. The parent keeps
 * the write end of that pipe open for the child's whole life and never writes to it, so end of file
 * means the parent is gone, even when it was killed with SIGKILL: the child then exits through
 * {@code System.exit}, which runs Cassandra's shutdown hooks (a clean drain, as with SIGTERM). If
 * that shutdown hangs, the JVM is halted after {@value #HALT_AFTER_MILLIS} ms.
 *
 * <p>Then it hands over to {@code org.apache.cassandra.service.CassandraDaemon.main(args)}. Cassandra
 * is not on this module's compile classpath (it must never load in the hub's JVM), hence the reflection.
 *
 * <p>This class must only use the JDK: it is loaded next to Cassandra's own jars, and it must stay a
 * single class file (no inner or anonymous classes) because {@link EmbeddedCassandra} may copy it out
 * of its jar.
 */
public final class CassandraChild {

    static final String DAEMON_CLASS = "org.apache.cassandra.service.CassandraDaemon";
    static final long HALT_AFTER_MILLIS = 30_000;

    private CassandraChild() {
    }

    public static void main(String[] args) throws Throwable {
        Thread watchdog = new Thread(CassandraChild::exitWhenParentIsGone, "flotilla-parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        Method main = Class.forName(DAEMON_CLASS).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void exitWhenParentIsGone() {
        InputStream in = System.in;
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // the parent never writes: anything read is ignored
            }
        } catch (IOException e) {
            // a broken pipe means the same as end of file
        }
        System.err.println("[flotilla] parent process is gone (stdin closed): shutting Cassandra down");
        System.err.flush();
        Thread halter = new Thread(() -> {
            try {
                Thread.sleep(HALT_AFTER_MILLIS);
            } catch (InterruptedException ignored) {
                // halt now
            }
            System.err.println("[flotilla] Cassandra did not shut down within " + HALT_AFTER_MILLIS + " ms: halting");
            System.err.flush();
            Runtime.getRuntime().halt(2);
        }, "flotilla-halt-fallback");
        halter.setDaemon(true);
        halter.start();
        System.exit(0);
    }
}
