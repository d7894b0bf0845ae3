package io.flotilla.k8s.agent;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: {@code initial}, doubling per failure, never above {@code cap};
 * each delay is shortened by up to a quarter at random so that many agents do not retry in step.
 */
public final class Backoff {
  private final Duration initial;
  private final Duration cap;
  private int failures;

  public Backoff(Duration initial, Duration cap) {
    if (initial.isNegative() || initial.isZero() || cap.compareTo(initial) < 0) {
      // a cap below the start (e.g. an update frequency of 500ms) caps the start too
      initial = cap.isNegative() || cap.isZero() ? Duration.ofMillis(1) : (cap.compareTo(initial) < 0 ? cap : initial);
    }
    this.initial = initial;
    this.cap = cap.compareTo(initial) < 0 ? initial : cap;
  }

  /** The delay before the next attempt, after one more failure. */
  public Duration next() {
    Duration d = ceiling(failures);
    failures = Math.min(failures + 1, 62);
    double jitter = 1 - 0.25 * ThreadLocalRandom.current().nextDouble();
    return Duration.ofNanos(Math.max(1, (long) (d.toNanos() * jitter)));
  }

  /** The delay before jitter after {@code failures} earlier failures: initial × 2^failures, capped. */
  Duration ceiling(int failures) {
    Duration d = initial;
    for (int i = 0; i < failures && d.compareTo(cap) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(cap) > 0 ? cap : d;
  }

  public void reset() {
    failures = 0;
  }

  /** Clusternet's wait.Jitter(d, 0.3): d plus up to 30% at random. */
  public static Duration jitter(Duration d) {
    return d.plusNanos((long) (d.toNanos() * 0.3 * ThreadLocalRandom.current().nextDouble()));
  }
}
