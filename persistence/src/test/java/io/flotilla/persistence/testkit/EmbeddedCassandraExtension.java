package io.flotilla.persistence.testkit;

import io.flotilla.persistence.EmbeddedCassandra;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * JUnit 5 extension giving test classes a real Cassandra:
 * <pre>
 *   &#64;RegisterExtension
 *   static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();
 *   ...
 *   config: datastax-java-driver.basic.contact-points = [ cassandra.contactPoint() ]
 *           akka.persistence.cassandra.journal.keyspace = cassandra.keyspace()  (with autocreate on)
 * </pre>
 *
 * <p>One {@link EmbeddedCassandra} per test JVM, shared by all test classes: started on first use in
 * a fresh folder {@code target/embedded-cassandra/<timestamp>-<random>} of the working directory (the
 * module directory under Maven) and stopped when the JVM's tests are done (it lives in the root
 * {@link ExtensionContext.Store}). Its data is deleted then; its logs are kept.
 *
 * <p>If the configuration parameter or system property {@value #EXTERNAL_PROPERTY}, or else the
 * environment variable {@value #EXTERNAL_ENV}, is set to {@code host:port}, that Cassandra is used
 * instead and nothing is started.
 *
 * <p>Each test class gets its own keyspace name ({@link #keyspace()}): the class's simple name plus a
 * random suffix, so test classes stay independent of each other and of earlier runs. The extension
 * does not create it: the code under test does (keyspace autocreate). {@code @Nested} classes share the
 * keyspace of their enclosing class. Register one instance per test class (a static field), not one
 * instance shared by several classes running in parallel.
 */
public final class EmbeddedCassandraExtension implements BeforeAllCallback {

    /** Environment variable naming an external Cassandra ({@code host:port}) to use instead of starting one. */
    public static final String EXTERNAL_ENV = "FLOTILLA_CASSANDRA";
    /** Same as {@link #EXTERNAL_ENV}, as a JUnit configuration parameter or system property; takes precedence. */
    public static final String EXTERNAL_PROPERTY = "flotilla.cassandra";

    static final int MAX_KEYSPACE_LENGTH = 48;
    private static final int SUFFIX_LENGTH = 8;
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(EmbeddedCassandraExtension.class);
    private static final String STORE_KEY = "cassandra";
    private static final Logger log = LoggerFactory.getLogger(EmbeddedCassandraExtension.class);

    private volatile Endpoint endpoint;
    private volatile String keyspace;
    private volatile Class<?> keyspaceOwner;

    @Override
    public void beforeAll(ExtensionContext context) {
        endpoint = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(STORE_KEY, key -> Endpoint.open(context), Endpoint.class);
        Class<?> testClass = context.getRequiredTestClass();
        boolean nestedInOwner = keyspaceOwner != null && isEnclosedBy(testClass, keyspaceOwner);
        if (!nestedInOwner) {
            keyspaceOwner = testClass;
            keyspace = keyspaceFor(testClass.getSimpleName());
        }
    }

    /** The keyspace name of the current test class: a valid CQL identifier, at most 48 characters. */
    public String keyspace() {
        String current = keyspace;
        if (current == null) {
            throw notStarted();
        }
        return current;
    }

    /** {@code host:port} of the CQL native transport. */
    public String contactPoint() {
        return endpoint().host + ":" + endpoint().port;
    }

    public String host() {
        return endpoint().host;
    }

    public int port() {
        return endpoint().port;
    }

    private Endpoint endpoint() {
        Endpoint current = endpoint;
        if (current == null) {
            throw notStarted();
        }
        return current;
    }

    private static IllegalStateException notStarted() {
        return new IllegalStateException("EmbeddedCassandraExtension is not active yet: register it as a static field with"
                + " @RegisterExtension and use it from @BeforeAll (declared after the field) or from tests");
    }

    /**
     * The class's simple name in lowercase, reduced to letters, digits and underscores, starting with a
     * letter, plus {@code _} and 8 random hex digits; at most {@value #MAX_KEYSPACE_LENGTH} characters.
     */
    static String keyspaceFor(String simpleName) {
        String base = simpleName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "_").replaceAll("_+", "_");
        base = base.replaceAll("^[^a-z]+", "").replaceAll("_+$", "");
        if (base.isEmpty()) {
            base = "test";
        }
        int maxBase = MAX_KEYSPACE_LENGTH - 1 - SUFFIX_LENGTH;
        if (base.length() > maxBase) {
            base = base.substring(0, maxBase).replaceAll("_+$", "");
        }
        String suffix = String.format("%08x", ThreadLocalRandom.current().nextInt());
        return base + "_" + suffix;
    }

    private static boolean isEnclosedBy(Class<?> type, Class<?> owner) {
        for (Class<?> c = type.getEnclosingClass(); c != null; c = c.getEnclosingClass()) {
            if (c == owner) {
                return true;
            }
        }
        return false;
    }

    /** The shared Cassandra of this test JVM (or the external one); closed with the root store. */
    private static final class Endpoint implements ExtensionContext.Store.CloseableResource {
        final String host;
        final int port;
        final EmbeddedCassandra embedded;

        private Endpoint(String host, int port, EmbeddedCassandra embedded) {
            this.host = host;
            this.port = port;
            this.embedded = embedded;
        }

        static Endpoint open(ExtensionContext context) {
            Optional<String> external = context.getConfigurationParameter(EXTERNAL_PROPERTY)
                    .or(() -> Optional.ofNullable(System.getenv(EXTERNAL_ENV)))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty());
            if (external.isPresent()) {
                String address = external.get();
                int colon = address.lastIndexOf(':');
                if (colon <= 0 || colon == address.length() - 1) {
                    throw new IllegalArgumentException(EXTERNAL_ENV + " must be host:port, not " + address);
                }
                String host = address.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                int port = Integer.parseInt(address.substring(colon + 1));
                log.info("Tests use the external Cassandra at {}:{}", host, port);
                return new Endpoint(host, port, null);
            }
            String name = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                    + "-" + UUID.randomUUID().toString().substring(0, 8);
            Path dir = Path.of("").toAbsolutePath().resolve("target").resolve("embedded-cassandra").resolve(name);
            EmbeddedCassandra cassandra = EmbeddedCassandra.start(dir);
            return new Endpoint(cassandra.host(), cassandra.port(), cassandra);
        }

        @Override
        public void close() {
            if (embedded == null) {
                return;
            }
            embedded.close();
            deleteAllButLogs(embedded.dataDir());
        }

        private static void deleteAllButLogs(Path dir) {
            try (Stream<Path> children = Files.list(dir)) {
                for (Path child : (Iterable<Path>) children::iterator) {
                    if (!child.getFileName().toString().equals("logs")) {
                        deleteRecursively(child);
                    }
                }
            } catch (IOException e) {
                log.debug("Cannot clean {}: {}", dir, e.toString());
            }
        }

        private static void deleteRecursively(Path path) throws IOException {
            try (Stream<Path> walk = Files.walk(path)) {
                for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
