package io.flotilla.tunnel;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/**
 * What a {@link TunnelSession} runs over: a WebSocket (or an in-memory pair in tests). Inbound
 * messages are handed to {@link TunnelSession#receive} one at a time, in order, and its end to
 * {@link TunnelSession#transportClosed}.
 */
public interface Transport {
  /** Sends one whole binary message; the session never has two sends outstanding. */
  CompletionStage<Void> send(ByteBuffer message);

  /** Closes the connection; idempotent. */
  void close(String reason);
}
