package io.flotilla.k8s.tunnel;

import io.flotilla.k8s.agent.Backoff;
import io.flotilla.tunnel.TunnelException;
import io.flotilla.tunnel.TunnelSession;
import io.flotilla.tunnel.TunnelSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's end of the tunnel: dials {@code wss://<parent>/apis/proxies.clusternet.io/v1alpha1/sockets/<clusterID>}
 * with the cluster's token, serves the hub's streams with an acceptor, and redials after any drop
 * (capped exponential backoff with jitter from {@code reconnectInitial}; reset once connected).
 */
public final class TunnelClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TunnelClient.class);
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);

  private final URI socketUrl;
  private final Supplier<String> token;
  private final TunnelSession.Acceptor acceptor;
  private final TunnelSettings settings;
  private final Duration reconnectInitial;
  private final Duration reconnectCap;
  private final HttpClient http;
  private final ExecutorService executor;
  private final ScheduledExecutorService timers;
  private final Thread thread;
  private volatile TunnelSession current;
  private volatile boolean closed;

  public TunnelClient(URI parentUrl, String clusterId, SSLContext trust, Supplier<String> token,
      TunnelSession.Acceptor acceptor, ExecutorService executor, TunnelSettings settings, Duration reconnectInitial,
      Duration reconnectCap) {
    this.socketUrl = socketUrl(parentUrl, clusterId);
    this.token = token;
    this.acceptor = acceptor;
    this.settings = settings;
    this.reconnectInitial = reconnectInitial;
    this.reconnectCap = reconnectCap;
    this.executor = executor;
    this.http = HttpClient.newBuilder().sslContext(trust).connectTimeout(HANDSHAKE_TIMEOUT).executor(executor).build();
    AtomicInteger n = new AtomicInteger();
    this.timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "flotilla-tunnel-timer-" + n.incrementAndGet()));
    this.thread = daemon(this::run, "flotilla-tunnel");
  }

  public static URI socketUrl(URI parentUrl, String clusterId) {
    String base = parentUrl.toString().replaceFirst("^https:", "wss:").replaceFirst("^http:", "ws:")
        .replaceFirst("/+$", "");
    return URI.create(base + "/apis/proxies.clusternet.io/v1alpha1/sockets/" + clusterId);
  }

  public void start() {
    thread.start();
  }

  /** Whether a tunnel is up right now. */
  public boolean connected() {
    TunnelSession session = current;
    return session != null && !session.closed().toCompletableFuture().isDone();
  }

  /** Streams open in the current tunnel (0 when down). */
  public int openStreams() {
    TunnelSession session = current;
    return connected() ? session.openStreams() : 0;
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    TunnelSession session = current;
    if (session != null) {
      session.close("agent stopping");
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timers.shutdownNow();
  }

  private void run() {
    Backoff backoff = new Backoff(reconnectInitial, reconnectCap);
    while (!closed) {
      try {
        TunnelSession session = connect();
        current = session;
        backoff.reset();
        log.info("tunnel to {} connected", socketUrl);
        TunnelException reason = session.closed().toCompletableFuture().get();
        if (!closed) {
          log.warn("tunnel to {} closed: {}", socketUrl, reason.getMessage());
        }
      } catch (InterruptedException e) {
        return;
      } catch (ExecutionException | TimeoutException e) {
        log.warn("cannot open the tunnel to {}: {}", socketUrl, e.getCause() == null ? e : e.getCause().getMessage());
      }
      try {
        Duration delay = backoff.next();
        if (!closed) {
          log.info("redialing the tunnel in {} ms", delay.toMillis());
          TimeUnit.NANOSECONDS.sleep(delay.toNanos());
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private TunnelSession connect() throws InterruptedException, ExecutionException, TimeoutException {
    WebSocketTransport transport = new WebSocketTransport();
    TunnelSession session = TunnelSession.dialer(transport, settings, timers, executor, acceptor);
    transport.serve(session);
    try {
      WebSocket socket = http.newWebSocketBuilder()
          .header("Authorization", "Bearer " + token.get())
          .connectTimeout(HANDSHAKE_TIMEOUT)
          .buildAsync(socketUrl, transport)
          .get(HANDSHAKE_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
      transport.connected(socket);
      return session;
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      session.close("handshake failed");
      throw e;
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread thread = new Thread(r, name);
    thread.setDaemon(true);
    return thread;
  }
}
