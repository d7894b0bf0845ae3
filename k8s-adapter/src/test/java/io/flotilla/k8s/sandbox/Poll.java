package io.flotilla.k8s.sandbox;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition by polling it until a deadline. */
final class Poll {

  private Poll() {
  }

  /** Fails with {@code why}'s text when {@code condition} is still false after {@code timeout}. */
  static void until(Duration timeout, BooleanSupplier condition, Supplier<String> why) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout + ": " + why.get());
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }
}
