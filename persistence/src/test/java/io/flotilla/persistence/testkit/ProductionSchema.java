package io.flotilla.persistence.testkit;

import com.datastax.oss.driver.api.core.CqlSession;
import io.flotilla.persistence.CqlSessions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * deploy/cql/schema.cql made runnable on the one-node test Cassandra: keyspace flotilla renamed
 * to a test keyspace, its replication turned into SimpleStrategy RF 1, nothing else changed.
 */
public final class ProductionSchema {
  public static final String PRODUCTION_KEYSPACE = "flotilla";
  private static final Pattern REPLICATION = Pattern.compile("(?is)WITH\\s+REPLICATION\\s*=\\s*\\{[^}]*}");

  private ProductionSchema() {}

  /** The schema file from a module directory (Maven runs tests there). */
  public static Path file() {
    return Path.of("..", "deploy", "cql", "schema.cql");
  }

  /** Creates every keyspace and table of the production schema, under `keyspace`. */
  public static void apply(String host, int port, String keyspace) {
    try (CqlSession session = CqlSessions.open(host, port, Duration.ofSeconds(30))) {
      for (String statement : statements(Files.readString(file()))) {
        session.execute(forKeyspace(statement, keyspace));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file's statements: whole-line "--" comments dropped, split at semicolons ending a line. */
  public static List<String> statements(String file) {
    String code = file.lines().filter(line -> !line.trim().startsWith("--")).collect(Collectors.joining("\n"));
    List<String> statements = new ArrayList<>();
    for (String part : code.split(";\\s*(\\n|$)")) {
      if (!part.isBlank()) {
        statements.add(part.trim());
      }
    }
    return statements;
  }

  /** Keyspace flotilla → `keyspace`; its replication → SimpleStrategy RF 1 (one node). */
  public static String forKeyspace(String statement, String keyspace) {
    String renamed = statement
        .replaceAll("(?i)(CREATE KEYSPACE IF NOT EXISTS\\s+)" + PRODUCTION_KEYSPACE + "\\b", "$1" + keyspace)
        .replaceAll("\\b" + PRODUCTION_KEYSPACE + "\\.", keyspace + ".");
    if (renamed.toUpperCase().startsWith("CREATE KEYSPACE")) {
      Matcher m = REPLICATION.matcher(renamed);
      if (!m.find()) {
        throw new IllegalArgumentException("CREATE KEYSPACE without replication: " + renamed);
      }
      renamed = m.replaceFirst(Matcher.quoteReplacement(
          "WITH REPLICATION = { 'class' : 'SimpleStrategy', 'replication_factor' : 1 }"));
    }
    return renamed;
  }
}
