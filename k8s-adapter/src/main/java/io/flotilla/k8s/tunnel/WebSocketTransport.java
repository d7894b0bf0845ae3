package io.flotilla.k8s.tunnel;

import io.flotilla.tunnel.Transport;
import io.flotilla.tunnel.TunnelSession;
import java.io.IOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A JDK WebSocket as a tunnel transport: whole binary messages in and out, one send at a time.
 * The session exists before the socket does (the listener must be given to the handshake), so
 * sends wait for {@link #connected}. Public for loadtest's FleetSimulator, which dials many tunnels
 * over one client.
 */
public final class WebSocketTransport implements Transport, WebSocket.Listener {
  private final CompletableFuture<WebSocket> socket = new CompletableFuture<>();
  private TunnelSession session;
  /** A message arriving in parts (the JDK splits large ones). */
  private ByteBuffer partial;

  public void serve(TunnelSession session) {
    this.session = session;
  }

  public void connected(WebSocket webSocket) {
    socket.complete(webSocket);
  }

  @Override
  public CompletionStage<Void> send(ByteBuffer message) {
    return socket.thenCompose(ws -> ws.sendBinary(message, true)).thenApply(ws -> null);
  }

  @Override
  public void close(String reason) {
    if (socket.cancel(false)) {
      return; // a handshake still under way is abandoned
    }
    WebSocket ws = socket.join();
    if (!ws.isOutputClosed()) {
      // the close frame first (GOAWAY already went), then the connection
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "").whenComplete((done, failure) -> ws.abort());
    }
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    // the JDK reuses `data` once this returns: keep a copy
    if (partial == null) {
      partial = ByteBuffer.allocate(data.remaining()).put(data);
    } else {
      partial = ByteBuffer.allocate(partial.position() + data.remaining()).put(partial.flip()).put(data);
    }
    if (last) {
      ByteBuffer message = partial.flip();
      partial = null;
      session.receive(message);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    session.transportClosed(new IOException("the hub sent a text message"));
    webSocket.abort();
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    session.transportClosed(new IOException("the hub closed the WebSocket (" + statusCode + " " + reason + ")"));
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    session.transportClosed(error);
  }
}
