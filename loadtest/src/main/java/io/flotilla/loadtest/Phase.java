package io.flotilla.loadtest;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/** One phase of a benchmark: N requests with a bounded number in flight, their rate and latencies. */
record Phase(String name, int requests, int failures, double seconds, long[] latencies) {

  /** Runs `count` requests with at most `concurrency` in flight; failures are counted, not thrown. */
  static Phase run(String name, int count, int concurrency, IntFunction<CompletableFuture<?>> request) {
    Semaphore inFlight = new Semaphore(concurrency);
    long[] latencies = new long[count];
    AtomicInteger failures = new AtomicInteger();
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      inFlight.acquireUninterruptibly();
      int index = i;
      long sent = System.nanoTime();
      // answers are not kept: a million of them (a cluster's JSON each) would fill the heap the hub shares
      request.apply(i).whenComplete((ok, failure) -> {
        latencies[index] = System.nanoTime() - sent;
        if (failure != null) {
          failures.incrementAndGet();
        }
        inFlight.release();
      });
    }
    inFlight.acquireUninterruptibly(concurrency); // every request has answered
    double seconds = (System.nanoTime() - start) / 1e9;
    Arrays.sort(latencies);
    return new Phase(name, count, failures.get(), seconds, latencies);
  }

  /** A Markdown row: name, requests, per second, p50 and p99 in ms. */
  String row() {
    return String.format("| %s | %d | %.0f | %.1f | %.1f |", name, requests, perSecond(),
        percentile(0.50), percentile(0.99));
  }

  double perSecond() {
    return requests / seconds;
  }

  /** The p-quantile in ms. */
  double percentile(double p) {
    return latencies[(int) Math.min(latencies.length - 1, Math.floor(p * latencies.length))] / 1e6;
  }
}
