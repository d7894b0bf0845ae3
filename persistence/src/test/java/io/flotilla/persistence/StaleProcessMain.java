package io.flotilla.persistence;

/**
 * Stands in for a leftover Cassandra child in tests: started with the same first JVM argument as a
 * real child ({@code -Dflotilla.cassandra.datadir=<dir>}), it runs until killed or until its stdin closes.
 */
public final class StaleProcessMain {

    private StaleProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("STALE " + ProcessHandle.current().pid());
        System.out.flush();
        while (System.in.read() >= 0) {
            // block until the parent is gone
        }
    }
}
