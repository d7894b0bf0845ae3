package io.flotilla.tunnel;

import java.time.Duration;

/**
 * Limits of a tunnel. Both ends must use the same maxFrameSize and initialWindow (protocol
 * constants of version 1, see DESIGN.md); the durations are each end's own.
 *
 * @param maxFrameSize  most payload bytes in one frame; larger data is split
 * @param initialWindow bytes a sender may send on a stream before the receiver grants more
 * @param maxStreams    open streams a peer may have at once (more are refused)
 * @param pingInterval  how often a PING is sent
 * @param pingTimeout   the tunnel is closed when nothing arrived for this long
 */
public record TunnelSettings(int maxFrameSize, int initialWindow, int maxStreams, Duration pingInterval,
    Duration pingTimeout) {
  public static final int MAX_FRAME_SIZE = 64 * 1024;
  /** Bytes in flight per stream: throughput is at most window / round trip (1 MiB / 5 ms ≈ 200 MiB/s). */
  public static final int INITIAL_WINDOW = 1024 * 1024;
  public static final TunnelSettings DEFAULT = new TunnelSettings(MAX_FRAME_SIZE, INITIAL_WINDOW, 256,
      Duration.ofSeconds(10), Duration.ofSeconds(30));

  public TunnelSettings {
    if (maxFrameSize < 1024 || initialWindow < maxFrameSize) {
      throw new IllegalArgumentException("maxFrameSize must be at least 1 KiB and the window at least one frame");
    }
  }

  public TunnelSettings withPing(Duration interval, Duration timeout) {
    return new TunnelSettings(maxFrameSize, initialWindow, maxStreams, interval, timeout);
  }
}
