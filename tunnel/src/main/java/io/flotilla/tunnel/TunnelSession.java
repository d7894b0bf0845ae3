package io.flotilla.tunnel;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Many concurrent HTTP exchanges over one {@link Transport}: streams with per-stream credit, a
 * keepalive that closes a dead tunnel, and a clean end (DESIGN.md "Tunnel protocol"). The side
 * that dialed the WebSocket numbers its streams odd, the side that accepted it even.
 *
 * <p>All state is guarded by this object's monitor; futures are completed on {@code executor},
 * never under the monitor, so a continuation may call back into any session.
 */
public final class TunnelSession {
  /** Serves streams the peer opens. */
  public interface Acceptor {
    void accept(TunnelStream stream, HttpHead.Request head);
  }

  final TunnelSettings settings;
  final Executor executor;
  private final Transport transport;
  private final Acceptor acceptor;
  private final Map<Integer, TunnelStream> streams = new HashMap<>();
  private final ArrayDeque<ByteBuffer> outbound = new ArrayDeque<>();
  private final CompletableFuture<TunnelException> closed = new CompletableFuture<>();
  private final ScheduledFuture<?> pinger;
  private final boolean dialer;
  private int nextStreamId;
  private int lastPeerStreamId;
  private boolean sending;
  private boolean closeWhenFlushed;
  private TunnelException closedBy;
  private volatile long lastReceivedNanos = System.nanoTime();

  private TunnelSession(boolean dialer, Transport transport, TunnelSettings settings,
      ScheduledExecutorService scheduler, Executor executor, Acceptor acceptor) {
    this.dialer = dialer;
    this.transport = transport;
    this.settings = settings;
    this.executor = executor;
    this.acceptor = acceptor;
    this.nextStreamId = dialer ? 1 : 2;
    long interval = settings.pingInterval().toNanos();
    this.pinger = scheduler.scheduleAtFixedRate(this::keepAlive, interval, interval, TimeUnit.NANOSECONDS);
  }

  /** The side that dialed the connection (the agent); {@code acceptor} may be null to refuse streams. */
  public static TunnelSession dialer(Transport transport, TunnelSettings settings, ScheduledExecutorService scheduler,
      Executor executor, Acceptor acceptor) {
    return new TunnelSession(true, transport, settings, scheduler, executor, acceptor);
  }

  /** The side that accepted the connection (the hub). */
  public static TunnelSession acceptor(Transport transport, TunnelSettings settings, ScheduledExecutorService scheduler,
      Executor executor, Acceptor acceptor) {
    return new TunnelSession(false, transport, settings, scheduler, executor, acceptor);
  }

  /** Opens a stream carrying this request; its response head arrives as the first {@link TunnelStream#read()}. */
  public TunnelStream open(HttpHead.Request head) {
    ByteBuffer payload = head.encode();
    if (payload.remaining() > settings.maxFrameSize()) {
      throw new TunnelException(TunnelException.PROTOCOL, "request head larger than one frame");
    }
    TunnelStream stream;
    synchronized (this) {
      if (closedBy != null) {
        throw closedBy;
      }
      if (streams.size() >= settings.maxStreams()) {
        throw new TunnelException(TunnelException.REFUSED, "too many open streams (" + streams.size() + ")");
      }
      stream = new TunnelStream(this, nextStreamId, true);
      nextStreamId += 2;
      streams.put(stream.id(), stream);
      enqueue(new Frame(Frame.Type.OPEN, stream.id(), payload));
    }
    pump();
    return stream;
  }

  /** One inbound message, in order; called by the transport. */
  public void receive(ByteBuffer message) {
    lastReceivedNanos = System.nanoTime();
    Frame frame;
    try {
      frame = Frame.decode(message, settings.maxFrameSize());
    } catch (TunnelException e) {
      fail(e);
      return;
    }
    Runnable accepted = null;
    synchronized (this) {
      if (closedBy != null) {
        return;
      }
      switch (frame.type()) {
        case PING -> enqueue(new Frame(Frame.Type.PONG, 0, frame.payload()));
        case PONG -> { } // lastReceivedNanos is what counts
        case GOAWAY -> {
          failLocked(new TunnelException(frame.code(), "the peer closed the tunnel: " + frame.reason()));
          return;
        }
        case OPEN -> accepted = onOpen(frame);
        default -> {
          TunnelStream stream = streams.get(frame.streamId());
          // frames still in flight for a stream that ended or was reset are dropped
          if (stream != null) {
            stream.onFrame(frame);
          }
        }
      }
    }
    if (accepted != null) {
      executor.execute(accepted);
    }
    pump();
  }

  private Runnable onOpen(Frame frame) {
    int id = frame.streamId();
    if (id <= lastPeerStreamId || (id % 2 == 1) == dialer) {
      failLocked(new TunnelException(TunnelException.PROTOCOL, "bad stream id " + id + " in OPEN"));
      return null;
    }
    lastPeerStreamId = id;
    if (acceptor == null || streams.size() >= settings.maxStreams()) {
      enqueue(Frame.coded(Frame.Type.RESET, id, TunnelException.REFUSED, "stream refused"));
      return null;
    }
    HttpHead.Request head;
    try {
      head = HttpHead.Request.decode(frame.payload());
    } catch (TunnelException e) {
      enqueue(Frame.coded(Frame.Type.RESET, id, TunnelException.PROTOCOL, e.getMessage()));
      return null;
    }
    TunnelStream stream = new TunnelStream(this, id, false);
    streams.put(id, stream);
    return () -> acceptor.accept(stream, head);
  }

  /** The transport ended (closed by the peer, or failed); every open stream fails. */
  public void transportClosed(Throwable cause) {
    fail(new TunnelException(TunnelException.CLOSED,
        "the tunnel connection closed" + (cause == null ? "" : ": " + cause.getMessage())));
  }

  /** Tells the peer why (GOAWAY), fails every open stream and closes the transport once that was sent. */
  public void close(String reason) {
    synchronized (this) {
      if (closedBy != null) {
        return;
      }
      enqueue(Frame.coded(Frame.Type.GOAWAY, 0, TunnelException.CLOSED, reason));
      closeWhenFlushed = true;
      failStreams(new TunnelException(TunnelException.CLOSED, reason));
      closedBy = new TunnelException(TunnelException.CLOSED, reason);
      // the keepalive keeps running: a transport too stuck to take the GOAWAY still gets closed
    }
    pump();
  }

  /** Completes (normally, with the reason) once the tunnel is closed for whatever reason. */
  public CompletionStage<TunnelException> closed() {
    return closed;
  }

  public synchronized int openStreams() {
    return streams.size();
  }

  /** Bytes of encoded frames waiting for the transport. */
  public synchronized long queuedBytes() {
    return outbound.stream().mapToLong(ByteBuffer::remaining).sum();
  }

  /**
   * The dialer (the agent, behind its NAT) PINGs every interval; the acceptor answers and PINGs only a peer that
   * has been silent for one and a half intervals (so a late PING of the dialer's is not doubled, and a peer that
   * never pings still hears two PINGs per timeout). A live tunnel costs one PING and one PONG per interval, not two
   * of each: at a fleet's scale keepalive is most of the hub's idle work.
   */
  private void keepAlive() {
    Duration silent = Duration.ofNanos(System.nanoTime() - lastReceivedNanos);
    if (silent.compareTo(settings.pingTimeout()) > 0) {
      fail(new TunnelException(TunnelException.TIMEOUT, "nothing received from the peer for " + silent.toMillis()
          + " ms (ping timeout " + settings.pingTimeout().toMillis() + " ms)"));
      return;
    }
    if (!dialer && silent.compareTo(settings.pingInterval().multipliedBy(3).dividedBy(2)) < 0) {
      return;
    }
    synchronized (this) {
      if (closedBy != null) {
        return;
      }
      enqueue(new Frame(Frame.Type.PING, 0, ByteBuffer.allocate(8).putLong(0, System.nanoTime())));
    }
    pump();
  }

  private void fail(TunnelException reason) {
    synchronized (this) {
      failLocked(reason);
    }
  }

  /** Closes at once (also a close still waiting to flush its GOAWAY); idempotent. */
  private void failLocked(TunnelException reason) {
    if (closedBy == null) {
      closedBy = reason;
      failStreams(reason);
    }
    outbound.clear();
    closeWhenFlushed = false;
    closeTransport();
  }

  private void closeTransport() {
    pinger.cancel(false);
    TunnelException why = closedBy;
    executor.execute(() -> {
      transport.close(why.getMessage());
      closed.complete(why);
    });
  }

  private void failStreams(TunnelException reason) {
    for (TunnelStream stream : new ArrayList<>(streams.values())) {
      stream.failed(reason);
    }
    streams.clear();
  }

  // --- used by streams, under the monitor -------------------------------------------------------

  void enqueue(Frame frame) {
    outbound.add(frame.encode());
  }

  void remove(TunnelStream stream) {
    streams.remove(stream.id());
  }

  boolean isOpen() {
    return closedBy == null;
  }

  <T> void complete(CompletableFuture<T> future, T value) {
    executor.execute(() -> future.complete(value));
  }

  void completeExceptionally(List<? extends CompletableFuture<?>> futures, Throwable failure) {
    if (!futures.isEmpty()) {
      executor.execute(() -> futures.forEach(f -> f.completeExceptionally(failure)));
    }
  }

  /** Hands queued frames to the transport one at a time (it allows one send in flight). */
  void pump() {
    while (true) {
      ByteBuffer next;
      synchronized (this) {
        if (sending) {
          return;
        }
        next = outbound.poll();
        if (next == null) {
          if (closeWhenFlushed) {
            closeWhenFlushed = false;
            closeTransport();
          }
          return;
        }
        sending = true;
      }
      CompletableFuture<Void> sent;
      try {
        sent = transport.send(next).toCompletableFuture();
      } catch (RuntimeException e) {
        sent = CompletableFuture.failedFuture(e);
      }
      if (sent.isDone() && !sent.isCompletedExceptionally()) {
        synchronized (this) {
          sending = false;
        }
        continue; // a loop, not recursion: an in-memory transport completes at once
      }
      sent.whenComplete((ok, failure) -> {
        synchronized (this) {
          sending = false;
        }
        if (failure != null) {
          transportClosed(failure);
        } else {
          pump();
        }
      });
      return;
    }
  }
}
