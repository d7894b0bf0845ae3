package io.flotilla.hub.http;

import akka.pattern.AskTimeoutException;
import akka.pattern.CircuitBreakerOpenException;
import com.datastax.oss.driver.api.core.DriverException;
import io.flotilla.api.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Tells an API request that failed because Cassandra is gone from one that failed otherwise, so
 * that the first is answered 503 ServiceUnavailable with a Retry-After (kube clients retry it) rather
 * than 504 or 500.
 *
 * <p>Why a probe: an entity whose journal fails never answers. Akka stops it (and restarts it with
 * backoff, recovering from the journal, which fails again), so the request's ask only times out after
 * flotilla.hub.ask-timeout, which by itself means "slow", a 504. Such a timeout, or a failure of the
 * driver (no node available) or of the journal's circuit breaker, is checked against the probe /readyz
 * uses: if Cassandra does not answer it, the answer is 503 with the probe's reason; if it does, the
 * failure is answered as before. A probe's result is reused for {@link #REUSE}, so an outage under load
 * costs one probe a second, not one per failed request; a hub whose requests succeed never probes.
 * Requests that need no write (an unchanged heartbeat, a read of an entity in memory) still succeed
 * while Cassandra is gone.
 */
public final class StoreAvailability {
  static final Duration REUSE = Duration.ofSeconds(1);
  static final int RETRY_AFTER_SECONDS = 5;

  private final Supplier<CompletionStage<String>> probe;
  private final AtomicReference<Probed> last = new AtomicReference<>();

  private record Probed(long atNanos, CompletableFuture<String> problem) {}

  /** probe completes with null when Cassandra answers, else with the reason (as the readiness check). */
  public StoreAvailability(Supplier<CompletionStage<String>> probe) {
    this.probe = probe;
  }

  /** The Status answering a request's failure: 503 when it may come from Cassandra, which is gone. */
  CompletionStage<Status> toStatus(Throwable failure) {
    Throwable cause = HttpResponses.unwrap(failure);
    if (!(cause instanceof AskTimeoutException || cause instanceof TimeoutException
        || cause instanceof DriverException || cause instanceof CircuitBreakerOpenException)) {
      return CompletableFuture.completedFuture(HttpResponses.toStatus(failure));
    }
    return problem().thenApply(problem -> problem == null ? HttpResponses.toStatus(failure)
        : Status.failure(503, "ServiceUnavailable", "the hub's storage is unavailable (" + problem + "); retry later",
            new Status.Details(null, null, null, null, RETRY_AFTER_SECONDS)));
  }

  private CompletionStage<String> problem() {
    long now = System.nanoTime();
    Probed current = last.get();
    if (current != null && now - current.atNanos() < REUSE.toNanos()) {
      return current.problem();
    }
    Probed next = new Probed(now, new CompletableFuture<>());
    if (!last.compareAndSet(current, next)) {
      return last.get().problem();
    }
    try {
      probe.get().whenComplete((problem, failure) ->
          next.problem().complete(failure == null ? problem : String.valueOf(failure.getMessage())));
    } catch (RuntimeException e) {
      next.problem().complete(String.valueOf(e.getMessage()));
    }
    return next.problem();
  }
}
