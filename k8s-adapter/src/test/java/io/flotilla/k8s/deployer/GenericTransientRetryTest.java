package io.flotilla.k8s.deployer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flotilla.k8s.deployer.ChildObjects.ChildApiException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The Generic deployer's retries: transient errors up to a bound, permanent ones never. */
class GenericTransientRetryTest {

  @Test
  void transientErrorsAreRetried() throws Exception {
    AtomicInteger tries = new AtomicInteger();

    String result = TransientRetry.run(() -> {
      if (tries.incrementAndGet() < 3) {
        throw new ChildApiException(tries.get() == 1 ? 409 : 503, "not yet");
      }
      return "applied";
    });

    assertEquals("applied", result);
    assertEquals(3, tries.get());
  }

  @Test
  void retriesAreBounded() {
    AtomicInteger tries = new AtomicInteger();

    ChildApiException e = assertThrows(ChildApiException.class, () -> TransientRetry.run(() -> {
      tries.incrementAndGet();
      throw new ChildApiException(0, "cannot reach the child cluster");
    }));

    assertEquals(4, tries.get(), "Clusternet's retry.DefaultBackoff makes 4 tries");
    assertEquals("cannot reach the child cluster", e.getMessage());
  }

  @Test
  void permanentErrorsAreNotRetried() {
    AtomicInteger tries = new AtomicInteger();

    assertThrows(ChildApiException.class, () -> TransientRetry.run(() -> {
      tries.incrementAndGet();
      throw new ChildApiException(422, "invalid");
    }));

    assertEquals(1, tries.get());
  }
}
