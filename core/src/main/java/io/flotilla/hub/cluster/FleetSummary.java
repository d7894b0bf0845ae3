package io.flotilla.hub.cluster;

import akka.stream.Materializer;
import akka.stream.alpakka.cassandra.javadsl.CassandraSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.api.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Fleet-wide counts (readiness, Kubernetes version, sync mode, every label's values) from one
 * streamed scan of the cluster directory. A scan is exact as of when it started and costs one pass
 * over the read model, never a call to a ManagedCluster entity. Readers get the last finished
 * scan's counts at once; when those are older than {@code maxAge} (counted from when the scan
 * finished, so a long scan does not run back to back) a new scan starts in the background. Only a
 * read before the first scan has finished waits for it: at a million clusters a scan takes longer
 * than a request may. At most one scan runs at a time per node.
 */
public final class FleetSummary {
  /** Label values kept per key; a key with more (a per-cluster ID, say) counts the rest as other values. */
  public static final int MAX_VALUES_PER_LABEL = 1000;
  /** Label keys kept; beyond them a key is not counted (the fleet's label vocabulary is small in practice). */
  public static final int MAX_LABEL_KEYS = 500;

  /** The counts, as of {@code asOf}; readiness is Ready, NotReady or Unknown. */
  public record Counts(Instant asOf, long total, Map<String, Long> readiness, Map<String, Long> kubernetesVersions,
      Map<String, Long> syncModes, Map<String, LabelCounts> labels) {
    /** The counts of one label key; {@code unlabelled} clusters lack it. */
    public LabelCounts label(String key) {
      LabelCounts counts = labels.get(key);
      return counts != null ? counts : new LabelCounts(Map.of(), 0, total);
    }
  }

  /** One label key's values, the clusters with a value beyond the kept ones, and those without the label. */
  public record LabelCounts(Map<String, Long> values, long otherValues, long unlabelled) {}

  private final Function<Instant, CompletionStage<Counts>> scan;
  private final Duration maxAge;
  private final Clock clock;
  private CompletableFuture<Counts> scanning;
  private Counts latest;
  private Instant latestFinishedAt;

  public FleetSummary(CassandraSession session, String keyspace, Duration maxAge, Clock clock,
      Materializer materializer) {
    this(asOf -> scan(session, keyspace, materializer, asOf), maxAge, clock);
  }

  /** Counts from {@code scan}, given the instant the scan starts at. */
  FleetSummary(Function<Instant, CompletionStage<Counts>> scan, Duration maxAge, Clock clock) {
    this.scan = scan;
    this.maxAge = maxAge;
    this.clock = clock;
  }

  /** The last finished scan's counts (starting a new scan if they are stale); the first scan's when none has finished. */
  public synchronized CompletionStage<Counts> current() {
    refreshIfStale();
    return latest != null ? CompletableFuture.completedFuture(latest) : scanning.thenApply(counts -> counts);
  }

  /**
   * The last finished scan's counts, or none before the first scan has finished: never waits
   * (a metrics scrape must answer while a million-row scan runs). Starts a scan if they are stale.
   */
  public synchronized Optional<Counts> latest() {
    refreshIfStale();
    return Optional.ofNullable(latest);
  }

  private void refreshIfStale() {
    Instant now = clock.instant();
    boolean stale = latest == null || latestFinishedAt.plus(maxAge).isBefore(now);
    if (stale && (scanning == null || scanning.isDone())) {
      CompletableFuture<Counts> started = scan.apply(now).toCompletableFuture();
      scanning = started;
      started.thenAccept(this::finished);
    }
  }

  private synchronized void finished(Counts counts) {
    latest = counts;
    latestFinishedAt = clock.instant();
  }

  /** One scan of the directory's rows in {@code keyspace}, its counts stamped {@code asOf}. */
  public static CompletionStage<Counts> scan(CassandraSession session, String keyspace, Materializer materializer,
      Instant asOf) {
    return session.select("SELECT object, status, health FROM " + keyspace + "." + ClusterDirectory.TABLE)
        .runFold(new Tally(), Tally::add, materializer)
        .thenApply(tally -> tally.counts(asOf));
  }

  /** Counts of one scan, filled row by row (only the scanning stream touches it). */
  static final class Tally {
    private long total;
    private final Map<String, Long> readiness = new TreeMap<>(Map.of("Ready", 0L, "NotReady", 0L, "Unknown", 0L));
    private final Map<String, Long> versions = new TreeMap<>();
    private final Map<String, Long> syncModes = new TreeMap<>();
    private final Map<String, Map<String, Long>> labelValues = new HashMap<>();
    private final Map<String, Long> labelOthers = new HashMap<>();
    private final Map<String, Long> labelled = new HashMap<>();

    Tally add(Row row) {
      return add(Json.read(row.getString("object"), JsonNode.class),
          row.getString("status") == null ? null : Json.read(row.getString("status"), JsonNode.class),
          row.getString("health") != null);
    }

    /** One cluster: its stored object (labels, spec), reported status and whether the hub holds its health Unknown. */
    Tally add(JsonNode object, JsonNode status, boolean healthUnknown) {
      total++;
      readiness.merge(readinessOf(status, healthUnknown), 1L, Long::sum);
      String version = status == null ? "" : status.path("k8sVersion").asText("");
      versions.merge(version.isEmpty() ? "unreported" : version, 1L, Long::sum);
      String syncMode = object.path("spec").path("syncMode").asText("");
      syncModes.merge(syncMode.isEmpty() ? "unset" : syncMode, 1L, Long::sum);
      object.path("metadata").path("labels").fields().forEachRemaining(label -> {
        Map<String, Long> values = labelValues.get(label.getKey());
        if (values == null) {
          if (labelValues.size() >= MAX_LABEL_KEYS) {
            return;
          }
          values = new HashMap<>();
          labelValues.put(label.getKey(), values);
        }
        labelled.merge(label.getKey(), 1L, Long::sum);
        String value = label.getValue().asText();
        if (values.containsKey(value) || values.size() < MAX_VALUES_PER_LABEL) {
          values.merge(value, 1L, Long::sum);
        } else {
          labelOthers.merge(label.getKey(), 1L, Long::sum);
        }
      });
      return this;
    }

    /** Unknown when the hub says so or nothing was reported yet; else the agent's readyz verdict. */
    static String readinessOf(JsonNode status, boolean healthUnknown) {
      if (healthUnknown || status == null || !status.path("readyz").isBoolean()) {
        return "Unknown";
      }
      return status.path("readyz").asBoolean() ? "Ready" : "NotReady";
    }

    Counts counts(Instant asOf) {
      Map<String, LabelCounts> labels = new TreeMap<>();
      labelValues.forEach((key, values) -> labels.put(key, new LabelCounts(new TreeMap<>(values),
          labelOthers.getOrDefault(key, 0L), total - labelled.get(key))));
      return new Counts(asOf, total, readiness, versions, syncModes, labels);
    }
  }
}
