package io.flotilla.tunnel;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One HTTP exchange in a tunnel. The opener writes the request body and reads the response head
 * and body; the acceptor reads the request body, then {@link #respond}s and writes the response
 * body. Reading is pull-based: bytes are credited back to the sender only once read, so a reader
 * that stops reading stops the writer after one window. One read and any number of writes may be
 * outstanding; writes are sent in order.
 */
public final class TunnelStream {
  /** What {@link #read()} yields. */
  public sealed interface Received {}

  /** The response head (only on the opener's side, first). */
  public record Head(HttpHead.Response head) implements Received {}

  public record Data(ByteBuffer bytes) implements Received {}

  /** The peer half-closed: nothing more will arrive (repeated on further reads). */
  public record End() implements Received {}

  private record PendingWrite(ByteBuffer data, CompletableFuture<Void> done) {}

  private final TunnelSession session;
  private final int id;
  private final boolean opener;
  private final ArrayDeque<Received> inbox = new ArrayDeque<>();
  private final ArrayDeque<PendingWrite> writes = new ArrayDeque<>();
  private final CompletableFuture<TunnelException> aborted = new CompletableFuture<>();
  private CompletableFuture<Received> pendingRead;
  private long sendWindow;
  private long receiveWindow;
  private long buffered;
  private long consumedUnacknowledged;
  private boolean headReceived;
  private boolean endRequested;
  private boolean localEnded;
  private boolean remoteEnded;
  private TunnelException failure;

  TunnelStream(TunnelSession session, int id, boolean opener) {
    this.session = session;
    this.id = id;
    this.opener = opener;
    this.sendWindow = session.settings.initialWindow();
    this.receiveWindow = session.settings.initialWindow();
  }

  public int id() {
    return id;
  }

  /** The next head, body chunk or end; fails with {@link TunnelException} when reset or closed. */
  public CompletionStage<Received> read() {
    CompletableFuture<Received> result = new CompletableFuture<>();
    synchronized (session) {
      if (pendingRead != null) {
        throw new IllegalStateException("a read is already outstanding on stream " + id);
      }
      if (!inbox.isEmpty()) {
        result.complete(take());
      } else if (failure != null) {
        result.completeExceptionally(failure);
      } else if (remoteEnded) {
        result.complete(new End());
      } else {
        pendingRead = result;
      }
    }
    session.pump();
    return result;
  }

  /** Sends the response head (acceptor side, once, before any body). */
  public void respond(HttpHead.Response head) {
    ByteBuffer payload = head.encode();
    if (payload.remaining() > session.settings.maxFrameSize()) {
      throw new TunnelException(TunnelException.PROTOCOL, "response head larger than one frame");
    }
    synchronized (session) {
      if (opener) {
        throw new IllegalStateException("only the accepting side responds");
      }
      if (failure == null) {
        session.enqueue(new Frame(Frame.Type.HEADERS, id, payload));
      }
    }
    session.pump();
  }

  /**
   * Queues body bytes; they leave in frames of at most the maximum frame size as credit allows.
   * Completes when the last of them was handed to the tunnel; wait for it before writing more to
   * keep memory bounded.
   */
  public CompletionStage<Void> write(ByteBuffer data) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    synchronized (session) {
      if (failure != null) {
        return CompletableFuture.failedFuture(failure);
      }
      if (endRequested) {
        return CompletableFuture.failedFuture(new IllegalStateException("stream " + id + " already ended"));
      }
      writes.add(new PendingWrite(data.duplicate(), done));
      flush();
    }
    session.pump();
    return done;
  }

  /** Half-closes: after the queued writes, the peer reads End. */
  public void end() {
    synchronized (session) {
      if (failure != null || endRequested) {
        return;
      }
      endRequested = true;
      flush();
    }
    session.pump();
  }

  /** Aborts the stream both ways; the peer's reads and writes fail. */
  public void reset(String reason) {
    synchronized (session) {
      if (failure != null || (localEnded && remoteEnded)) {
        return;
      }
      if (session.isOpen()) {
        session.enqueue(Frame.coded(Frame.Type.RESET, id, TunnelException.CANCEL, reason));
      }
      failed(new TunnelException(TunnelException.CANCEL, "stream reset locally: " + reason));
      session.remove(this);
    }
    session.pump();
  }

  /**
   * Completes when the stream is reset (either side) or the tunnel closes; never after a clean
   * end. A server blocked on a silent source (a watch) uses it to stop.
   */
  public CompletionStage<TunnelException> aborted() {
    return aborted;
  }

  /** Received bytes not yet read (never more than the window). */
  public long bufferedBytes() {
    synchronized (session) {
      return buffered;
    }
  }

  // --- under the session's monitor ---------------------------------------------------------------

  void onFrame(Frame frame) {
    switch (frame.type()) {
      case HEADERS -> {
        if (!opener || headReceived) {
          protocolError("unexpected HEADERS");
          return;
        }
        headReceived = true;
        try {
          deliver(new Head(HttpHead.Response.decode(frame.payload())));
        } catch (TunnelException e) {
          protocolError(e.getMessage());
        }
      }
      case DATA -> {
        int length = frame.payload().remaining();
        if (remoteEnded) {
          protocolError("DATA after END");
        } else if (length > receiveWindow) {
          session.enqueue(Frame.coded(Frame.Type.RESET, id, TunnelException.FLOW_CONTROL,
              length + " bytes sent with a window of " + receiveWindow));
          failed(new TunnelException(TunnelException.FLOW_CONTROL, "the peer overran the window"));
          session.remove(this);
        } else {
          receiveWindow -= length;
          buffered += length;
          deliver(new Data(frame.payload()));
        }
      }
      case WINDOW -> {
        sendWindow += Integer.toUnsignedLong(frame.code());
        flush();
      }
      case END -> {
        remoteEnded = true;
        deliver(new End());
        removeIfDone();
      }
      case RESET -> {
        failed(new TunnelException(frame.code(), "stream reset by the peer: " + frame.reason()));
        session.remove(this);
      }
      default -> protocolError("unexpected " + frame.type() + " on a stream");
    }
  }

  /** The stream or the tunnel failed: reads and writes fail, nothing more is sent. */
  void failed(TunnelException reason) {
    if (failure != null) {
      return;
    }
    failure = reason;
    inbox.clear();
    buffered = 0;
    List<CompletableFuture<?>> futures = new ArrayList<>();
    if (pendingRead != null) {
      futures.add(pendingRead);
      pendingRead = null;
    }
    writes.forEach(w -> futures.add(w.done()));
    writes.clear();
    session.completeExceptionally(futures, reason);
    session.complete(aborted, reason);
  }

  private void protocolError(String message) {
    session.enqueue(Frame.coded(Frame.Type.RESET, id, TunnelException.PROTOCOL, message));
    failed(new TunnelException(TunnelException.PROTOCOL, message));
    session.remove(this);
  }

  private void deliver(Received received) {
    inbox.add(received);
    if (pendingRead != null) {
      CompletableFuture<Received> read = pendingRead;
      pendingRead = null;
      session.complete(read, take());
    }
  }

  /**
   * Takes the next received item; read bytes are credited back in batches of a quarter window,
   * so the sender gets credit well before it runs dry.
   */
  private Received take() {
    Received next = inbox.poll();
    if (next instanceof Data data) {
      int length = data.bytes().remaining();
      buffered -= length;
      consumedUnacknowledged += length;
      if (!remoteEnded && failure == null && consumedUnacknowledged >= session.settings.initialWindow() / 4) {
        session.enqueue(Frame.window(id, (int) consumedUnacknowledged));
        receiveWindow += consumedUnacknowledged;
        consumedUnacknowledged = 0;
      }
    }
    return next;
  }

  /** Sends queued writes as far as credit allows, then END once asked and all is sent. */
  private void flush() {
    if (failure != null) {
      return;
    }
    int maxFrame = session.settings.maxFrameSize();
    while (!writes.isEmpty()) {
      PendingWrite write = writes.peek();
      ByteBuffer data = write.data();
      if (data.hasRemaining()) {
        if (sendWindow <= 0) {
          return;
        }
        int n = (int) Math.min(data.remaining(), Math.min(sendWindow, maxFrame));
        ByteBuffer chunk = data.slice().limit(n);
        data.position(data.position() + n);
        session.enqueue(new Frame(Frame.Type.DATA, id, chunk));
        sendWindow -= n;
      }
      if (!data.hasRemaining()) {
        writes.poll();
        session.complete(write.done(), null);
      }
    }
    if (endRequested && !localEnded) {
      localEnded = true;
      session.enqueue(Frame.of(Frame.Type.END, id));
      removeIfDone();
    }
  }

  private void removeIfDone() {
    if (localEnded && remoteEnded) {
      session.remove(this);
    }
  }
}
