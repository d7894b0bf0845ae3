package io.flotilla.hub.http;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts 401s per client address in fixed windows: an address that failed authentication
 * {@code maxFailures} times in a window is refused (429) until the window ends, whatever token it
 * brings next. Tokens are 128-bit random, so this is about floods, not guessing. Memory is bounded:
 * at most {@code maxTracked} addresses, ended windows dropped first.
 */
final class AuthFailureLimiter {
  private record Window(long startMillis, int failures) {}

  private final int maxFailures;
  private final long windowMillis;
  private final int maxTracked;
  private final Clock clock;
  private final Map<InetAddress, Window> windows = new ConcurrentHashMap<>();

  AuthFailureLimiter(int maxFailures, Duration window, int maxTracked, Clock clock) {
    this.maxFailures = maxFailures;
    this.windowMillis = window.toMillis();
    this.maxTracked = maxTracked;
    this.clock = clock;
  }

  /** Seconds until the address may try again, or 0 if it may now. */
  long blockedForSeconds(InetAddress address) {
    Window window = windows.get(address);
    long now = clock.millis();
    if (window == null || window.failures() < maxFailures || now >= window.startMillis() + windowMillis) {
      return 0;
    }
    return Math.max(1, (window.startMillis() + windowMillis - now + 999) / 1000);
  }

  void failed(InetAddress address) {
    long now = clock.millis();
    if (windows.size() >= maxTracked && !windows.containsKey(address)) {
      windows.values().removeIf(w -> now >= w.startMillis() + windowMillis);
      if (windows.size() >= maxTracked) {
        return; // a flood from very many addresses: keep counting those already tracked
      }
    }
    windows.merge(address, new Window(now, 1), (old, one) -> now >= old.startMillis() + windowMillis
        ? one : new Window(old.startMillis(), old.failures() + 1));
  }
}
