package io.flotilla.hub.http;

import java.time.Clock;

/** A token bucket: {@code perSecond} tokens a second, at most {@code perSecond} saved up (one second's burst). */
final class TokenBucket {
  private final double perSecond;
  private final Clock clock;
  private double tokens;
  private long lastMillis;

  TokenBucket(double perSecond, Clock clock) {
    this.perSecond = perSecond;
    this.clock = clock;
    this.tokens = perSecond;
    this.lastMillis = clock.millis();
  }

  synchronized boolean tryTake() {
    long now = clock.millis();
    tokens = Math.min(perSecond, tokens + (now - lastMillis) * perSecond / 1000.0);
    lastMillis = now;
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }
}
