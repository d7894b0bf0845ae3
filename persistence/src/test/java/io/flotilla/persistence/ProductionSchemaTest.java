package io.flotilla.persistence;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.cassandra.KeyspaceAndTableStatements;
import akka.persistence.cassandra.PluginSettings;
import akka.projection.cassandra.javadsl.CassandraProjection;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import io.flotilla.persistence.testkit.ProductionSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/cql/schema.cql, run against a real Cassandra (replication rewritten for one node, keyspace
 * renamed), creates every table with the expected columns, and exactly the tables that
 * akka-persistence-cassandra and akka-projection-cassandra create themselves.
 */
class ProductionSchemaTest {

    @RegisterExtension
    static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

    static final List<String> TABLES = List.of("messages", "tag_views", "tag_write_progress", "tag_scanning",
            "metadata", "all_persistence_ids", "snapshots", "offset_store", "projection_management",
            "managed_clusters", "cluster_labels", "objects", "object_namespaces", "object_index_progress", "events");

    private static CqlSession session;
    private static String keyspace;

    @BeforeAll
    static void applySchema() throws IOException {
        session = TestSupport.session(cassandra.host(), cassandra.port());
        keyspace = cassandra.keyspace();
        for (String statement : ProductionSchema.statements(Files.readString(ProductionSchema.file()))) {
            session.execute(ProductionSchema.forKeyspace(statement, keyspace));
        }
    }

    @AfterAll
    static void closeSession() {
        if (session != null) {
            session.close();
        }
    }

    @Test
    void theProductionFileUsesNetworkTopologyWithThreeReplicas() throws IOException {
        List<String> statements = ProductionSchema.statements(Files.readString(ProductionSchema.file()));
        String createKeyspace = statements.get(0);
        assertTrue(createKeyspace.matches("(?s)CREATE KEYSPACE IF NOT EXISTS flotilla\\s+WITH REPLICATION = "
                + "\\{ 'class' : 'NetworkTopologyStrategy', 'datacenter1' : 3 \\}"), createKeyspace);
        for (String statement : statements.subList(1, statements.size())) {
            assertTrue(statement.startsWith("CREATE TABLE IF NOT EXISTS flotilla."), statement);
        }
        assertEquals(1 + TABLES.size(), statements.size());
    }

    @Test
    void everyTableExists() {
        List<String> tables = session.execute(SimpleStatement.newInstance("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", keyspace))
                .all().stream().map(r -> r.getString("table_name")).sorted().collect(Collectors.toList());
        assertEquals(TABLES.stream().sorted().collect(Collectors.toList()), tables);
    }

    @Test
    void tablesHaveTheExpectedColumns() {
        assertEquals(Map.ofEntries(
                        Map.entry("persistence_id", "text partition_key 0"),
                        Map.entry("partition_nr", "bigint partition_key 1"),
                        Map.entry("sequence_nr", "bigint clustering asc 0"),
                        Map.entry("timestamp", "timeuuid clustering asc 1"),
                        Map.entry("timebucket", "text regular"),
                        Map.entry("writer_uuid", "text regular"),
                        Map.entry("ser_id", "int regular"),
                        Map.entry("ser_manifest", "text regular"),
                        Map.entry("event_manifest", "text regular"),
                        Map.entry("event", "blob regular"),
                        Map.entry("meta_ser_id", "int regular"),
                        Map.entry("meta_ser_manifest", "text regular"),
                        Map.entry("meta", "blob regular"),
                        Map.entry("tags", "set<text> regular")),
                columns(keyspace, "messages"));
        assertEquals(Map.ofEntries(
                        Map.entry("tag_name", "text partition_key 0"),
                        Map.entry("timebucket", "bigint partition_key 1"),
                        Map.entry("timestamp", "timeuuid clustering asc 0"),
                        Map.entry("persistence_id", "text clustering asc 1"),
                        Map.entry("tag_pid_sequence_nr", "bigint clustering asc 2"),
                        Map.entry("sequence_nr", "bigint regular"),
                        Map.entry("writer_uuid", "text regular"),
                        Map.entry("ser_id", "int regular"),
                        Map.entry("ser_manifest", "text regular"),
                        Map.entry("event_manifest", "text regular"),
                        Map.entry("event", "blob regular"),
                        Map.entry("meta_ser_id", "int regular"),
                        Map.entry("meta_ser_manifest", "text regular"),
                        Map.entry("meta", "blob regular")),
                columns(keyspace, "tag_views"));
        assertEquals(Map.ofEntries(
                        Map.entry("persistence_id", "text partition_key 0"),
                        Map.entry("sequence_nr", "bigint clustering desc 0"),
                        Map.entry("timestamp", "bigint regular"),
                        Map.entry("ser_id", "int regular"),
                        Map.entry("ser_manifest", "text regular"),
                        Map.entry("snapshot_data", "blob regular"),
                        Map.entry("snapshot", "blob regular"),
                        Map.entry("meta_ser_id", "int regular"),
                        Map.entry("meta_ser_manifest", "text regular"),
                        Map.entry("meta", "blob regular")),
                columns(keyspace, "snapshots"));
        assertEquals(Map.of(
                        "projection_name", "text partition_key 0",
                        "partition", "int partition_key 1",
                        "projection_key", "text clustering asc 0",
                        "offset", "text regular",
                        "manifest", "text regular",
                        "last_updated", "timestamp regular"),
                columns(keyspace, "offset_store"));
        assertEquals(Map.of(
                        "namespace", "text partition_key 0",
                        "name", "text clustering asc 0",
                        "cluster_id", "text regular",
                        "resource_version", "bigint regular",
                        "object", "text regular",
                        "status", "text regular",
                        "health", "text regular"),
                columns(keyspace, "managed_clusters"));
        assertEquals(Map.of(
                        "label_key", "text partition_key 0",
                        "label_value", "text clustering asc 0",
                        "namespace", "text clustering asc 1",
                        "name", "text clustering asc 2"),
                columns(keyspace, "cluster_labels"));
        assertEquals(Map.of(
                        "namespace", "text partition_key 0",
                        "name", "text clustering asc 0",
                        "object", "text regular"),
                columns(keyspace, "events"));
    }

    /**
     * The plugins create their tables in a second keyspace (as with tables-autocreate): each of their
     * tables must be identical in columns and options to the one schema.cql creates.
     */
    @Test
    void pluginTablesAreIdenticalToWhatThePluginsCreateThemselves() throws Exception {
        String reference = keyspace.substring(0, Math.min(keyspace.length(), 40)) + "_ref";
        Config config = ConfigFactory.parseMap(Map.of(
                        "akka.persistence.cassandra.journal.keyspace", reference,
                        "akka.persistence.cassandra.snapshot.keyspace", reference,
                        "akka.projection.cassandra.offset-store.keyspace", reference,
                        "datastax-java-driver.basic.contact-points", List.of(cassandra.contactPoint()),
                        "datastax-java-driver.basic.load-balancing-policy.local-datacenter", "datacenter1",
                        "akka.loglevel", "WARNING",
                        "akka.coordinated-shutdown.run-by-jvm-shutdown-hook", "off",
                        "akka.coordinated-shutdown.terminate-actor-system", "on"))
                .withFallback(ConfigFactory.load());
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "schema-reference", config);
        try {
            KeyspaceAndTableStatements statements = new KeyspaceAndTableStatements(system, "akka.persistence.cassandra",
                    PluginSettings.apply(system.classicSystem()));
            session.execute(statements.createJournalKeyspaceStatement());
            statements.getCreateJournalTablesStatements().forEach(session::execute);
            statements.getCreateSnapshotTablesStatements().forEach(session::execute);
            CassandraProjection.createTablesIfNotExists(system).toCompletableFuture().get(60, TimeUnit.SECONDS);
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }

        List<String> pluginTables = session.execute(SimpleStatement.newInstance(
                        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", reference))
                .all().stream().map(r -> r.getString("table_name")).sorted().collect(Collectors.toList());
        assertEquals(List.of("all_persistence_ids", "messages", "metadata", "offset_store", "projection_management",
                "snapshots", "tag_scanning", "tag_views", "tag_write_progress"), pluginTables);
        for (String table : pluginTables) {
            assertEquals(columns(reference, table), columns(keyspace, table), "columns of " + table);
            assertEquals(options(reference, table), options(keyspace, table), "options of " + table);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** column name → "type kind [clustering order] position" (position only for key columns). */
    private static Map<String, String> columns(String keyspaceName, String table) {
        Map<String, String> columns = new TreeMap<>();
        for (Row row : session.execute(SimpleStatement.newInstance("SELECT column_name, type, kind, clustering_order, position"
                + " FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?", keyspaceName, table))) {
            String kind = row.getString("kind");
            String description = row.getString("type") + " " + kind;
            if (kind.equals("clustering")) {
                description += " " + row.getString("clustering_order");
            }
            if (!kind.equals("regular") && !kind.equals("static")) {
                description += " " + row.getInt("position");
            }
            columns.put(row.getString("column_name"), description);
        }
        assertTrue(!columns.isEmpty(), "table " + keyspaceName + "." + table + " exists");
        return columns;
    }

    private static Map<String, String> options(String keyspaceName, String table) {
        Row row = session.execute(SimpleStatement.newInstance("SELECT gc_grace_seconds, compaction, default_time_to_live, compression"
                + " FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?", keyspaceName, table)).one();
        assertTrue(row != null, "table " + keyspaceName + "." + table + " exists");
        return Map.of(
                "gc_grace_seconds", String.valueOf(row.getInt("gc_grace_seconds")),
                "compaction", new TreeMap<>(row.getMap("compaction", String.class, String.class)).toString(),
                "default_time_to_live", String.valueOf(row.getInt("default_time_to_live")),
                "compression", new TreeMap<>(row.getMap("compression", String.class, String.class)).toString());
    }
}
