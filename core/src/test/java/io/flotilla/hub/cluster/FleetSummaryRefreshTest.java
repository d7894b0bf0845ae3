package io.flotilla.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** When the fleet summary scans: once at a time, in the background once it has counts, never for a fresh read. */
class FleetSummaryRefreshTest {
  final ManagedClusterEntityTest.ManualClock clock = new ManagedClusterEntityTest.ManualClock();
  /** The scans started, each completed by the test, and the instants they were started at. */
  final List<CompletableFuture<FleetSummary.Counts>> scans = new ArrayList<>();
  final List<Instant> scansAsOf = new ArrayList<>();
  final FleetSummary summary = new FleetSummary(asOf -> {
    scansAsOf.add(asOf);
    CompletableFuture<FleetSummary.Counts> scan = new CompletableFuture<>();
    scans.add(scan);
    return scan;
  }, Duration.ofSeconds(15), clock);

  static FleetSummary.Counts counts(Instant asOf, long total) {
    return new FleetSummary.Counts(asOf, total, Map.of("Ready", total), Map.of(), Map.of(), Map.of());
  }

  static long total(CompletionStage<FleetSummary.Counts> read) {
    CompletableFuture<FleetSummary.Counts> future = read.toCompletableFuture();
    assertTrue(future.isDone(), "answered at once");
    return future.join().total();
  }

  @Test
  void readsBeforeTheFirstScanFinishesShareItAndLaterOnesAreAnsweredAtOnce() {
    CompletableFuture<FleetSummary.Counts> first = summary.current().toCompletableFuture();
    CompletableFuture<FleetSummary.Counts> second = summary.current().toCompletableFuture();
    assertFalse(first.isDone());
    assertEquals(1, scans.size(), "one scan at a time");

    clock.now = clock.now.plusSeconds(40);
    scans.get(0).complete(counts(scansAsOf.get(0), 1));
    assertEquals(1, first.join().total());
    assertEquals(1, second.join().total());

    clock.now = clock.now.plusSeconds(14);
    assertEquals(1, total(summary.current()));
    assertEquals(1, scans.size(), "fresh for 15 s after the scan finished, however long it took");
  }

  @Test
  void staleCountsAreAnsweredAtOnceWhileOneScanRefreshesThem() {
    summary.current();
    scans.get(0).complete(counts(clock.now, 1));

    clock.now = clock.now.plusSeconds(16);
    assertEquals(1, total(summary.current()), "stale counts, not a wait for the scan");
    assertEquals(1, total(summary.current()));
    assertEquals(2, scans.size(), "one background scan for both reads");
    assertEquals(clock.now, scansAsOf.get(1));

    scans.get(1).complete(counts(clock.now, 2));
    assertEquals(2, total(summary.current()));
    assertEquals(2, scans.size());
  }

  @Test
  void latestNeverWaitsButStartsTheScansCurrentWould() {
    assertTrue(summary.latest().isEmpty(), "no counts before the first scan has finished");
    assertTrue(summary.latest().isEmpty());
    assertEquals(1, scans.size(), "the first read started the one scan");

    scans.get(0).complete(counts(clock.now, 5));
    assertEquals(5, summary.latest().orElseThrow().total());
    clock.now = clock.now.plusSeconds(16);
    assertEquals(5, summary.latest().orElseThrow().total(), "stale counts at once");
    assertEquals(2, scans.size(), "and a refresh behind them");
  }

  @Test
  void aFailedScanKeepsTheLastCountsAndTheNextReadTriesAgain() {
    summary.current();
    scans.get(0).completeExceptionally(new IllegalStateException("Cassandra unavailable"));
    assertFalse(summary.current().toCompletableFuture().isDone(), "no counts yet: the read waits for a new scan");
    assertEquals(2, scans.size());

    scans.get(1).complete(counts(clock.now, 3));
    clock.now = clock.now.plusSeconds(16);
    assertEquals(3, total(summary.current()));
    scans.get(2).completeExceptionally(new IllegalStateException("read timeout"));
    assertEquals(3, total(summary.current()), "the last good counts stay");
    assertEquals(4, scans.size(), "still stale: scanned again");
  }
}
