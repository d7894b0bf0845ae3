package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void doublesFromOneSecondUpToTheCapWithJitterBelowIt() {
    Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10));
    assertEquals(Duration.ofSeconds(1), backoff.ceiling(0));
    assertEquals(Duration.ofSeconds(2), backoff.ceiling(1));
    assertEquals(Duration.ofSeconds(8), backoff.ceiling(3));
    assertEquals(Duration.ofSeconds(10), backoff.ceiling(4));
    assertEquals(Duration.ofSeconds(10), backoff.ceiling(100));
    for (int i = 0; i < 20; i++) {
      Duration d = backoff.next();
      Duration ceiling = backoff.ceiling(i);
      assertTrue(d.compareTo(ceiling) <= 0 && d.compareTo(ceiling.multipliedBy(3).dividedBy(4)) >= 0, d + " " + i);
    }
    backoff.reset();
    assertTrue(backoff.next().compareTo(Duration.ofSeconds(1)) <= 0);
  }

  @Test
  void aCapBelowTheStartCapsTheStart() {
    Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofMillis(500));
    assertEquals(Duration.ofMillis(500), backoff.ceiling(0));
    assertEquals(Duration.ofMillis(500), backoff.ceiling(5));
  }

  @Test
  void clusternetJitterAddsUpToThirtyPercent() {
    for (int i = 0; i < 20; i++) {
      Duration d = Backoff.jitter(Duration.ofSeconds(5));
      assertTrue(d.compareTo(Duration.ofSeconds(5)) >= 0 && d.compareTo(Duration.ofMillis(6500)) <= 0, d.toString());
    }
  }
}
