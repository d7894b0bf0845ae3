package io.flotilla.persistence;

import com.datastax.oss.driver.api.core.CqlSession;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs two test classes that use {@link EmbeddedCassandraExtension} through a nested JUnit launcher and
 * checks what they saw: different keyspaces, the same Cassandra.
 */
class EmbeddedCassandraExtensionTest {

    @RegisterExtension
    static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

    private static final String RUN_NESTED = "flotilla.test.run-nested";

    /** What each nested class saw: class name → {keyspace, contact point}. */
    static final Map<String, String[]> SEEN = new ConcurrentHashMap<>();

    @Test
    void theSharedInstanceServesEveryTestClassWithItsOwnKeyspace() {
        assertTrue(cassandra.keyspace().startsWith("embeddedcassandraextensiontest_"), cassandra.keyspace());
        assertEquals(cassandra.host() + ":" + cassandra.port(), cassandra.contactPoint());

        // the two classes pointed at this class's Cassandra, as with FLOTILLA_CASSANDRA
        runNested(Map.of(EmbeddedCassandraExtension.EXTERNAL_PROPERTY, cassandra.contactPoint()));

        String[] first = SEEN.get(FirstUserTest.class.getName());
        String[] second = SEEN.get(SecondUserTest.class.getName());
        assertNotEquals(first[0], second[0]);
        assertTrue(first[0].startsWith("firstusertest_"), first[0]);
        assertTrue(second[0].startsWith("secondusertest_"), second[0]);
        assertEquals(cassandra.contactPoint(), first[1]);
        assertEquals(cassandra.contactPoint(), second[1]);
        assertNotEquals(cassandra.keyspace(), first[0]);
    }

    @Test
    void aTestRunStartsOneCassandraForAllItsClassesAndStopsItAtTheEnd() throws Exception {
        assumeTrue(System.getenv(EmbeddedCassandraExtension.EXTERNAL_ENV) == null
                        && System.getProperty(EmbeddedCassandraExtension.EXTERNAL_PROPERTY) == null,
                "an external Cassandra is configured");

        runNested(Map.of());

        String[] first = SEEN.get(FirstUserTest.class.getName());
        String[] second = SEEN.get(SecondUserTest.class.getName());
        assertNotEquals(first[0], second[0]);
        assertEquals(first[1], second[1], "one Cassandra for the whole run");
        assertNotEquals(cassandra.contactPoint(), first[1], "the nested run started its own");
        int port = Integer.parseInt(first[1].substring(first[1].lastIndexOf(':') + 1));
        assertFalse(accepts(port), "the run's Cassandra is stopped when the run ends");
    }

    private static void runNested(Map<String, String> parameters) {
        SEEN.clear();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(FirstUserTest.class), selectClass(SecondUserTest.class))
                .configurationParameters(parameters)
                .configurationParameter(RUN_NESTED, "true")
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();
        StringWriter failures = new StringWriter();
        summary.printFailuresTo(new PrintWriter(failures), 30);
        assertEquals(0, summary.getTotalFailureCount(), failures.toString());
        assertEquals(2, summary.getTestsSucceededCount(), failures.toString());
        assertNotNull(SEEN.get(FirstUserTest.class.getName()));
        assertNotNull(SEEN.get(SecondUserTest.class.getName()));
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Creates its keyspace (proving the name is valid CQL and the contact point works) and records it. */
    static void useAndRecord(Class<?> testClass, EmbeddedCassandraExtension extension) {
        try (CqlSession session = TestSupport.session(extension.host(), extension.port())) {
            session.execute("CREATE KEYSPACE " + extension.keyspace()
                    + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
            session.execute("CREATE TABLE " + extension.keyspace() + ".t (k int PRIMARY KEY)");
        }
        SEEN.put(testClass.getName(), new String[] {extension.keyspace(), extension.contactPoint()});
    }

    /** Keeps the nested classes out of ordinary runs (IDE "run package"): only the launcher above enables them. */
    static final class OnlyWhenRunNested implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(RUN_NESTED).isPresent()
                    ? ConditionEvaluationResult.enabled("run by EmbeddedCassandraExtensionTest")
                    : ConditionEvaluationResult.disabled("only run by EmbeddedCassandraExtensionTest");
        }
    }

    @ExtendWith(OnlyWhenRunNested.class)
    static class FirstUserTest {
        @RegisterExtension
        static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

        @Test
        void usesItsKeyspace() {
            useAndRecord(FirstUserTest.class, cassandra);
        }
    }

    @ExtendWith(OnlyWhenRunNested.class)
    static class SecondUserTest {
        @RegisterExtension
        static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

        @Test
        void usesItsKeyspace() {
            useAndRecord(SecondUserTest.class, cassandra);
        }
    }
}
