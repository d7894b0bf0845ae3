package io.flotilla.tunnel;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** One end of an in-memory connection: what it sends is received by the peer's session, in order. */
final class InMemoryTransport implements Transport {
  private final ExecutorService delivery = Executors.newSingleThreadExecutor();
  private volatile TunnelSession peer;
  private volatile boolean blackhole;
  private volatile boolean closed;
  private volatile Consumer<Frame> tap = frame -> {};
  final AtomicLong dataBytesSent = new AtomicLong();
  InMemoryTransport other;

  static InMemoryTransport[] pair() {
    InMemoryTransport a = new InMemoryTransport();
    InMemoryTransport b = new InMemoryTransport();
    a.other = b;
    b.other = a;
    return new InMemoryTransport[] {a, b};
  }

  /** The session that receives what this end sends. */
  void deliverTo(TunnelSession session) {
    this.peer = session;
  }

  /** From now on, what this end sends is lost (a dead network). */
  void blackhole() {
    blackhole = true;
  }

  /** Sees every frame this end sends. */
  void tap(Consumer<Frame> tap) {
    this.tap = tap;
  }

  @Override
  public CompletionStage<Void> send(ByteBuffer message) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("closed"));
    }
    Frame frame = Frame.decode(message, Integer.MAX_VALUE);
    tap.accept(frame);
    if (frame.type() == Frame.Type.DATA) {
      dataBytesSent.addAndGet(frame.payload().remaining());
    }
    if (!blackhole) {
      ByteBuffer copy = ByteBuffer.allocate(message.remaining()).put(message.duplicate()).flip();
      delivery.execute(() -> peer.receive(copy));
    }
    return CompletableFuture.completedFuture(null);
  }

  /** Sends raw bytes as one message, bypassing the session (to test the peer's checks). */
  void sendRaw(ByteBuffer message) {
    delivery.execute(() -> peer.receive(message));
  }

  /** Closes both directions; the peer's session learns it after the messages still in flight. */
  @Override
  public void close(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    other.closed = true;
    delivery.execute(() -> peer.transportClosed(null));
    delivery.shutdown();
  }
}
