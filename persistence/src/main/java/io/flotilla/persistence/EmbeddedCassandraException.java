package io.flotilla.persistence;

/** Thrown when the embedded Cassandra cannot be started (or its data directory is already in use). */
public final class EmbeddedCassandraException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public EmbeddedCassandraException(String message) {
        super(message);
    }

    public EmbeddedCassandraException(String message, Throwable cause) {
        super(message, cause);
    }
}
