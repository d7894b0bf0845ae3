package io.flotilla.k8s.deployer;

import io.flotilla.k8s.deployer.ChildObjects.ChildApiException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Clusternet's retry around each object's apply and delete (client-go's {@code retry.DefaultBackoff}: 4 tries,
 * 10 ms growing fivefold, 10% jitter), but only for transient errors: a 422 will not pass on a second try.
 */
final class TransientRetry {

  interface Attempt<T> {
    T run() throws ChildApiException;
  }

  private static final int TRIES = 4;
  private static final Duration FIRST_DELAY = Duration.ofMillis(10);
  private static final int FACTOR = 5;
  private static final double JITTER = 0.1;

  private TransientRetry() {
  }

  /** The attempt's result; its last error once the tries are used up, it is permanent, or the thread is interrupted. */
  static <T> T run(Attempt<T> attempt) throws ChildApiException {
    long delayNanos = FIRST_DELAY.toNanos();
    for (int tried = 1; ; tried++) {
      try {
        return attempt.run();
      } catch (ChildApiException e) {
        if (!e.isTransient() || tried == TRIES || Thread.currentThread().isInterrupted()) {
          throw e;
        }
      }
      LockSupport.parkNanos(delayNanos + (long) (delayNanos * JITTER * ThreadLocalRandom.current().nextDouble()));
      delayNanos *= FACTOR;
    }
  }
}
