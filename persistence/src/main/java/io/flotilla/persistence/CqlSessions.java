package io.flotilla.persistence;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.OptionsMap;
import com.datastax.oss.driver.api.core.config.TypedDriverOption;

import java.time.Duration;
import java.util.List;

/**
 * Opens small, self-contained DataStax driver sessions (used for the readiness probe and by tests).
 *
 * <p>The configuration is built from the driver's built-in defaults only: it deliberately ignores any
 * {@code datastax-java-driver} section of the application's {@code application.conf} (which may set a
 * session keyspace, {@code reconnect-on-init} and the like for Akka's own sessions).
 */
public final class CqlSessions {

    static final String LOCAL_DATACENTER = "datacenter1";

    private CqlSessions() {
    }

    public static CqlSession open(String host, int port, Duration requestTimeout) {
        OptionsMap options = OptionsMap.driverDefaults();
        options.put(TypedDriverOption.SESSION_NAME, "flotilla-embedded-cassandra");
        options.put(TypedDriverOption.CONTACT_POINTS, List.of(host + ":" + port));
        options.put(TypedDriverOption.LOAD_BALANCING_LOCAL_DATACENTER, LOCAL_DATACENTER);
        options.put(TypedDriverOption.RECONNECT_ON_INIT, false);
        options.put(TypedDriverOption.CONNECTION_CONNECT_TIMEOUT, Duration.ofSeconds(5));
        options.put(TypedDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5));
        options.put(TypedDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(5));
        options.put(TypedDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, requestTimeout);
        options.put(TypedDriverOption.REQUEST_TIMEOUT, requestTimeout);
        // no client-side schema and token metadata: nothing here needs them, and loading them costs a second
        options.put(TypedDriverOption.METADATA_SCHEMA_ENABLED, false);
        options.put(TypedDriverOption.METADATA_TOKEN_MAP_ENABLED, false);
        // the JDK clock is precise enough here and spares loading the native (jnr) one
        options.put(TypedDriverOption.TIMESTAMP_GENERATOR_FORCE_JAVA_CLOCK, true);
        // driverDefaults() of 4.6.1 has 24576 here, above max-requests-per-connection (1024): the driver warns
        options.put(TypedDriverOption.CONNECTION_MAX_ORPHAN_REQUESTS, 256);
        // closing a session must not linger for the default 2 s quiet period; not 0 either: tasks still
        // submitted during the shutdown would be rejected (netty then logs an ERROR)
        options.put(TypedDriverOption.NETTY_IO_SHUTDOWN_UNIT, "MILLISECONDS");
        options.put(TypedDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 100);
        options.put(TypedDriverOption.NETTY_IO_SHUTDOWN_TIMEOUT, 15_000);
        options.put(TypedDriverOption.NETTY_ADMIN_SHUTDOWN_UNIT, "MILLISECONDS");
        options.put(TypedDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 100);
        options.put(TypedDriverOption.NETTY_ADMIN_SHUTDOWN_TIMEOUT, 15_000);
        return CqlSession.builder()
                .withConfigLoader(DriverConfigLoader.fromMap(options))
                .build();
    }
}
