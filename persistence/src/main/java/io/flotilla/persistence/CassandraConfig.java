package io.flotilla.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;

/**
 * Config that points every Cassandra user of the hub (journal, snapshots, projection offsets,
 * read models) at one contact point list and one keyspace. Set explicitly rather than through
 * HOCON substitution, because overrides layered on a loaded config no longer re-resolve.
 */
public final class CassandraConfig {
  private CassandraConfig() {}

  public static Config overrides(List<String> contactPoints, String keyspace, boolean schemaAutocreate) {
    return ConfigFactory.parseMap(Map.ofEntries(
        Map.entry("datastax-java-driver.basic.contact-points", ConfigValueFactory.fromIterable(contactPoints)),
        Map.entry("flotilla.cassandra.contact-points", ConfigValueFactory.fromIterable(contactPoints)),
        Map.entry("flotilla.cassandra.keyspace", keyspace),
        Map.entry("flotilla.cassandra.schema-autocreate", schemaAutocreate),
        Map.entry("akka.persistence.cassandra.journal.keyspace", keyspace),
        Map.entry("akka.persistence.cassandra.journal.keyspace-autocreate", schemaAutocreate),
        Map.entry("akka.persistence.cassandra.journal.tables-autocreate", schemaAutocreate),
        Map.entry("akka.persistence.cassandra.snapshot.keyspace", keyspace),
        Map.entry("akka.persistence.cassandra.snapshot.keyspace-autocreate", schemaAutocreate),
        Map.entry("akka.persistence.cassandra.snapshot.tables-autocreate", schemaAutocreate),
        Map.entry("akka.projection.cassandra.offset-store.keyspace", keyspace)));
  }

  /** Parses "host:port[,host:port...]" as given on the command line or in FLOTILLA_CASSANDRA. */
  public static List<String> parseContactPoints(String text) {
    List<String> points = java.util.Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    for (String point : points) {
      int colon = point.lastIndexOf(':');
      if (colon <= 0 || colon == point.length() - 1 || !point.substring(colon + 1).chars().allMatch(Character::isDigit)) {
        throw new IllegalArgumentException("Cassandra contact point \"" + point + "\" is not host:port");
      }
    }
    if (points.isEmpty()) {
      throw new IllegalArgumentException("no Cassandra contact point in \"" + text + "\"");
    }
    return points;
  }
}
