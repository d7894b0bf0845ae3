package io.flotilla.k8s.tunnel;

import io.flotilla.tunnel.HttpHead;
import io.flotilla.tunnel.TunnelSession;
import io.flotilla.tunnel.TunnelSettings;
import io.flotilla.tunnel.TunnelStream;
import io.flotilla.tunnel.WebSocketMessages;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.BufferedSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the hub's tunnel streams: each is one HTTP request to the child API server (a target
 * path) or to an absolute URL, sent with the child client's own TLS and credentials unless the
 * request brings an Authorization (from Impersonate-Extra-Clusternet-Token). Bodies stream both
 * ways with one blocking worker per stream; a reset from the hub (client gone) cancels the call.
 * A stream that asks for a WebSocket gets one to the child, its messages carried both ways.
 */
public final class ChildProxy implements TunnelSession.Acceptor {
  private static final Logger log = LoggerFactory.getLogger(ChildProxy.class);
  private static final int CHUNK = TunnelSettings.MAX_FRAME_SIZE;

  private final ApiClient child;
  private final OkHttpClient http;
  private final Executor workers;

  public ChildProxy(ApiClient child, Executor workers) {
    this.child = child;
    // watches are silent for minutes: no read timeout (a reset or a closed tunnel ends them)
    this.http = child.getHttpClient().newBuilder().readTimeout(0, TimeUnit.MILLISECONDS).build();
    this.workers = workers;
  }

  @Override
  public void accept(TunnelStream stream, HttpHead.Request head) {
    boolean upgrade = head.headers().stream().anyMatch(h -> h.name().equalsIgnoreCase(WebSocketMessages.UPGRADE_HEADER)
        && h.value().equalsIgnoreCase(WebSocketMessages.WEBSOCKET));
    workers.execute(() -> {
      if (upgrade) {
        serveWebSocket(stream, head);
      } else {
        serve(stream, head);
      }
    });
  }

  /**
   * A WebSocket upgrade (kubectl exec, attach, port-forward over WebSocket): the agent makes its
   * own handshake with the child, answers the hub 101 with the subprotocol the child chose (or the
   * child's refusal as is), then carries messages both ways as {@link WebSocketMessages} records.
   * Messages from the child wait for tunnel credit, so a slow client slows the child.
   */
  private void serveWebSocket(TunnelStream stream, HttpHead.Request head) {
    Request request;
    try {
      request = webSocketRequest(head);
    } catch (ApiException | RuntimeException e) {
      badGateway(stream, head, e);
      return;
    }
    CompletableFuture<WebSocket> opened = new CompletableFuture<>();
    WebSocket socket = http.newWebSocket(request, new WebSocketListener() {
      @Override
      public void onOpen(WebSocket webSocket, Response response) {
        List<HttpHead.Header> headers = new ArrayList<>();
        Optional.ofNullable(response.header("Sec-WebSocket-Protocol"))
            .ifPresent(protocol -> headers.add(new HttpHead.Header("Sec-WebSocket-Protocol", protocol)));
        stream.respond(new HttpHead.Response(101, headers));
        opened.complete(webSocket);
      }

      @Override
      public void onMessage(WebSocket webSocket, String text) {
        toHub(webSocket, new WebSocketMessages.Message(true, text.getBytes(StandardCharsets.UTF_8)));
      }

      @Override
      public void onMessage(WebSocket webSocket, okio.ByteString bytes) {
        toHub(webSocket, new WebSocketMessages.Message(false, bytes.toByteArray()));
      }

      private void toHub(WebSocket webSocket, WebSocketMessages.Message message) {
        try {
          stream.write(WebSocketMessages.encode(message)).toCompletableFuture().get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          webSocket.cancel();
        } catch (ExecutionException e) {
          webSocket.cancel(); // the hub's side is gone
        }
      }

      @Override
      public void onClosing(WebSocket webSocket, int code, String reason) {
        webSocket.close(code, null);
        stream.end();
      }

      @Override
      public void onFailure(WebSocket webSocket, Throwable failure, Response response) {
        if (!opened.isDone() && response != null) {
          relay(stream, response); // the child refused the upgrade: the client sees its answer
        } else if (!opened.isDone()) {
          badGateway(stream, head, failure instanceof Exception e ? e : new IOException(failure));
        } else {
          stream.reset("the child's WebSocket failed: " + failure.getMessage());
        }
        opened.completeExceptionally(failure);
      }
    });
    stream.aborted().thenRun(socket::cancel);
    try {
      opened.get();
      WebSocketMessages.Decoder decoder = new WebSocketMessages.Decoder();
      while (true) {
        TunnelStream.Received received = stream.read().toCompletableFuture().get();
        if (!(received instanceof TunnelStream.Data data)) {
          socket.close(1000, null); // the client closed
          return;
        }
        for (WebSocketMessages.Message message : decoder.feed(data.bytes())) {
          if (message.text()) {
            socket.send(new String(message.payload(), StandardCharsets.UTF_8));
          } else {
            socket.send(okio.ByteString.of(message.payload()));
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      socket.cancel();
    } catch (ExecutionException | RuntimeException e) {
      socket.cancel();
    }
  }

  private Request webSocketRequest(HttpHead.Request head) throws ApiException {
    String url = url(head);
    Request.Builder request = new Request.Builder().url(url);
    boolean authorized = false;
    for (HttpHead.Header header : head.headers()) {
      if (!header.name().equalsIgnoreCase(WebSocketMessages.UPGRADE_HEADER)) {
        authorized |= header.name().equalsIgnoreCase("Authorization");
        request.addHeader(header.name(), header.value());
      }
    }
    if (!authorized) {
      childCredentials(url).forEach(request::header);
    }
    return request.build();
  }

  /** A response of the child's, head and body, as the stream's answer. */
  private static void relay(TunnelStream stream, Response response) {
    List<HttpHead.Header> headers = new ArrayList<>();
    response.headers().forEach(pair -> headers.add(new HttpHead.Header(pair.getFirst(), pair.getSecond())));
    stream.respond(new HttpHead.Response(response.code(), headers));
    try {
      byte[] body = response.body() == null ? new byte[0] : response.body().bytes();
      if (body.length > 0) {
        stream.write(ByteBuffer.wrap(body));
      }
      stream.end();
    } catch (IOException e) {
      stream.reset(String.valueOf(e.getMessage()));
    }
  }

  private void serve(TunnelStream stream, HttpHead.Request head) {
    boolean responded = false;
    try {
      Call call = http.newCall(request(stream, head));
      stream.aborted().thenRun(call::cancel);
      try (Response response = call.execute()) {
        List<HttpHead.Header> headers = new ArrayList<>();
        response.headers().forEach(pair -> headers.add(new HttpHead.Header(pair.getFirst(), pair.getSecond())));
        stream.respond(new HttpHead.Response(response.code(), headers));
        responded = true;
        InputStream body = response.body().byteStream();
        byte[] buffer = new byte[CHUNK];
        for (int n; (n = body.read(buffer)) >= 0; ) {
          if (n > 0) {
            // waits for credit: a slow client slows the child's response instead of filling memory
            stream.write(ByteBuffer.wrap(buffer.clone(), 0, n)).toCompletableFuture().get();
          }
        }
      }
      stream.end();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stream.reset("agent stopping");
    } catch (IOException | ApiException | ExecutionException | RuntimeException e) {
      if (responded || e instanceof InterruptedIOException || e instanceof ExecutionException) {
        stream.reset(String.valueOf(e.getMessage()));
      } else {
        log.debug("proxying {} {} failed", head.method(), head.target(), e);
        badGateway(stream, head, e);
      }
    }
  }

  /** A target path is on the child API server; an absolute URL is itself. */
  private String url(HttpHead.Request head) {
    return head.target().startsWith("/") ? child.getBasePath().replaceFirst("/+$", "") + head.target()
        : head.target();
  }

  private Request request(TunnelStream stream, HttpHead.Request head) throws ApiException {
    String url = url(head);
    Request.Builder request = new Request.Builder().url(url);
    String contentType = null;
    long contentLength = -1;
    boolean authorized = false;
    for (HttpHead.Header header : head.headers()) {
      switch (header.name().toLowerCase()) {
        case "content-type" -> contentType = header.value();
        case "content-length" -> contentLength = Long.parseLong(header.value().trim());
        default -> {
          authorized |= header.name().equalsIgnoreCase("Authorization");
          request.addHeader(header.name(), header.value());
        }
      }
    }
    if (!authorized) {
      childCredentials(url).forEach(request::header);
    }
    boolean bodyless = head.method().equals("GET") || head.method().equals("HEAD");
    return request.method(head.method(), bodyless ? null : new StreamBody(stream, contentType, contentLength))
        .build();
  }

  /** The headers client-java would add for its configured authentication (bearer token, API key). */
  private Map<String, String> childCredentials(String url) throws ApiException {
    Map<String, String> headers = new HashMap<>();
    child.updateParamsForAuth(new String[] {"BearerToken"}, new ArrayList<>(), headers, new HashMap<>(), null,
        "GET", URI.create(url));
    return headers;
  }

  private static void badGateway(TunnelStream stream, HttpHead.Request head, Exception e) {
    String status = """
        {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":%s,"reason":"ServiceUnavailable","code":502}
        """.formatted(quoted("error trying to reach " + head.target() + ": " + e.getMessage()));
    byte[] bytes = status.getBytes(StandardCharsets.UTF_8);
    stream.respond(new HttpHead.Response(502, List.of(new HttpHead.Header("Content-Type", "application/json"),
        new HttpHead.Header("Content-Length", Integer.toString(bytes.length)))));
    stream.write(ByteBuffer.wrap(bytes));
    stream.end();
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  /** The request body, read from the stream as OkHttp sends it. */
  private static final class StreamBody extends RequestBody {
    private final TunnelStream stream;
    private final MediaType type;
    private final long length;

    StreamBody(TunnelStream stream, String contentType, long length) {
      this.stream = stream;
      this.type = contentType == null ? null : MediaType.parse(contentType);
      this.length = length;
    }

    @Override
    public MediaType contentType() {
      return type;
    }

    @Override
    public long contentLength() {
      return length;
    }

    @Override
    public boolean isOneShot() {
      return true;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      try {
        while (true) {
          TunnelStream.Received received = stream.read().toCompletableFuture().get();
          if (!(received instanceof TunnelStream.Data data)) {
            return;
          }
          sink.write(data.bytes());
          sink.flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted");
      } catch (ExecutionException e) {
        throw new IOException("request body aborted: " + e.getCause().getMessage(), e.getCause());
      }
    }
  }
}
