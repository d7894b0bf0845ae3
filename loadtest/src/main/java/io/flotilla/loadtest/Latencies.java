package io.flotilla.loadtest;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies at 1 ms resolution up to a minute (longer ones count as a minute), recorded from any
 * thread without locks or allocation: a million heartbeats cost one array of counters.
 */
final class Latencies {
  private static final int MAX_MILLIS = 60_000;
  private final AtomicLongArray counts = new AtomicLongArray(MAX_MILLIS + 1);

  void record(long nanos) {
    counts.incrementAndGet((int) Math.min(MAX_MILLIS, Math.max(0, nanos / 1_000_000)));
  }

  long count() {
    long total = 0;
    for (int i = 0; i <= MAX_MILLIS; i++) {
      total += counts.get(i);
    }
    return total;
  }

  /** The p-quantile in ms (0 &lt; p &le; 1), 0 when nothing was recorded. */
  long percentile(double p) {
    long rank = (long) Math.ceil(p * count());
    long seen = 0;
    for (int i = 0; i <= MAX_MILLIS; i++) {
      seen += counts.get(i);
      if (seen >= rank && seen > 0) {
        return i;
      }
    }
    return 0;
  }
}
