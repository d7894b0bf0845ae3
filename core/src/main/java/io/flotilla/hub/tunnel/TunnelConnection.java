package io.flotilla.hub.tunnel;

import akka.NotUsed;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.http.javadsl.model.ws.BinaryMessage;
import akka.http.javadsl.model.ws.Message;
import akka.japi.Pair;
import akka.stream.Materializer;
import akka.stream.OverflowStrategy;
import akka.stream.QueueOfferResult;
import akka.stream.SourceRef;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.stream.javadsl.SourceQueueWithComplete;
import akka.stream.javadsl.StreamRefs;
import akka.util.ByteString;
import io.flotilla.api.CborSerializable;
import io.flotilla.api.HubPlugin;
import io.flotilla.hub.cluster.ManagedClusterEntity;
import io.flotilla.tunnel.HttpHead;
import io.flotilla.tunnel.Transport;
import io.flotilla.tunnel.TunnelException;
import io.flotilla.tunnel.TunnelSession;
import io.flotilla.tunnel.TunnelSettings;
import io.flotilla.tunnel.TunnelStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent's WebSocket on this hub node: owns the {@link TunnelSession}, registers itself with
 * the cluster's entity (again every register-interval, so a passivated or moved entity learns it
 * back), and carries proxied requests. Requests and bodies arrive as StreamRefs, so a proxy
 * route on any node can use a tunnel held by another. Stops when the WebSocket ends.
 */
public final class TunnelConnection {
  private static final Logger log = LoggerFactory.getLogger(TunnelConnection.class);
  private static final AtomicLong CONNECTIONS = new AtomicLong();
  /**
   * After its tunnel closed a connection lingers this long, answering requests at once: a route
   * that got its ref just before the entity learned of the close must not wait for a dead actor.
   */
  private static final Duration CLOSING_GRACE = Duration.ofSeconds(5);

  public sealed interface Command extends CborSerializable {}

  /** Open a stream with this request; the body is null when the request has none. */
  public record Proxy(HttpHead.Request head, SourceRef<ByteString> body, ActorRef<ProxyReply> replyTo)
      implements Command {}

  /** A newer connection of the same cluster took over (from the entity). */
  public record Supersede(String reason) implements Command {}

  private record SessionClosed(String reason) implements Command {}

  private record Reregister() implements Command {}

  private record Stop() implements Command {}

  public sealed interface ProxyReply extends CborSerializable {}

  /** The child's response head; its body streams through the ref. */
  public record Proxied(HttpHead.Response head, SourceRef<ByteString> body) implements ProxyReply {}

  public record ProxyFailed(String message) implements ProxyReply {}

  /** What every connection needs from the hub. */
  /** plugins: told when a tunnel opens and closes on this node (Push delivery runs where the tunnel is). */
  public record Settings(TunnelSettings tunnel, Duration registerInterval, ScheduledExecutorService scheduler,
      HubPlugin plugins) {}

  private TunnelConnection() {}

  /**
   * The WebSocket's message flow for an authenticated agent: each binary message is one frame
   * into a new session, whose frames go out through a queue that back-pressures the session.
   */
  public static Flow<Message, Message, NotUsed> accept(ActorSystem<?> system, String clusterId, Settings settings) {
    Materializer materializer = Materializer.matFromSystem(system);
    Pair<SourceQueueWithComplete<Message>, Source<Message, NotUsed>> outbound =
        Source.<Message>queue(8, OverflowStrategy.backpressure()).preMaterialize(materializer);
    SourceQueueWithComplete<Message> queue = outbound.first();
    Transport transport = new Transport() {
      @Override
      public CompletionStage<Void> send(ByteBuffer message) {
        return queue.offer(BinaryMessage.create(ByteString.fromByteBuffer(message))).thenApply(result -> {
          if (result != QueueOfferResult.enqueued()) {
            throw new TunnelException(TunnelException.CLOSED, "the WebSocket is closed");
          }
          return null;
        });
      }

      @Override
      public void close(String reason) {
        queue.complete();
      }
    };
    TunnelSession session = TunnelSession.acceptor(transport, settings.tunnel(), settings.scheduler(),
        system.executionContext(), null);
    system.systemActorOf(create(clusterId, session, settings), "tunnel-" + clusterId + "-"
        + CONNECTIONS.incrementAndGet(), Props.empty());
    long timeoutMillis = settings.tunnel().pingTimeout().toMillis();
    Sink<Message, NotUsed> inbound = Flow.<Message>create()
        .mapAsync(1, message -> message.isText()
            ? CompletableFuture.failedFuture(new TunnelException(TunnelException.PROTOCOL, "text message"))
            // a frame that arrived in several TCP reads is streamed: only then collect it
            : message.isStrict() ? CompletableFuture.completedFuture(message.asBinaryMessage().getStrictData())
            : message.asBinaryMessage().toStrict(timeoutMillis, materializer).thenApply(strict -> strict.data()))
        .toMat(Sink.foreach(bytes -> session.receive(bytes.asByteBuffer())), (notUsed, done) -> {
          done.whenComplete((ok, failure) -> session.transportClosed(failure));
          return NotUsed.getInstance();
        });
    return Flow.fromSinkAndSourceCoupled(inbound, outbound.second());
  }

  private static Behavior<Command> create(String clusterId, TunnelSession session, Settings settings) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      var entity = ClusterSharding.get(context.getSystem()).entityRefFor(ManagedClusterEntity.ENTITY_KEY, clusterId);
      entity.tell(new ManagedClusterEntity.TunnelOpened(context.getSelf()));
      timers.startTimerWithFixedDelay(new Reregister(), settings.registerInterval());
      context.pipeToSelf(session.closed(), (reason, failure) -> new SessionClosed(reason.getMessage()));
      Materializer materializer = Materializer.createMaterializer(context);
      log.info("tunnel of cluster {} connected", clusterId);
      settings.plugins().tunnelOpened(clusterId);
      return Behaviors.receive(Command.class)
          .onMessage(Proxy.class, proxy -> {
            proxy(session, proxy, materializer);
            return Behaviors.same();
          })
          .onMessage(Reregister.class, tick -> {
            entity.tell(new ManagedClusterEntity.TunnelOpened(context.getSelf()));
            return Behaviors.same();
          })
          .onMessage(Supersede.class, supersede -> {
            session.close(supersede.reason());
            return Behaviors.same(); // stops when the session reports closed
          })
          .onMessage(SessionClosed.class, closed -> {
            log.info("tunnel of cluster {} closed: {}", clusterId, closed.reason());
            entity.tell(new ManagedClusterEntity.TunnelClosed(context.getSelf()));
            settings.plugins().tunnelClosed(clusterId);
            timers.cancelAll();
            timers.startSingleTimer(new Stop(), CLOSING_GRACE);
            return closing(closed.reason());
          })
          .onSignal(PostStop.class, stop -> {
            session.close("hub connection stopped");
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static Behavior<Command> closing(String reason) {
    return Behaviors.receive(Command.class)
        .onMessage(Proxy.class, proxy -> {
          proxy.replyTo().tell(new ProxyFailed("not connected, the tunnel closed: " + reason));
          return Behaviors.same();
        })
        .onMessage(Stop.class, stop -> Behaviors.stopped())
        .onAnyMessage(other -> Behaviors.same())
        .build();
  }

  /** Streams the request into a new tunnel stream; replies once the response head arrives. */
  private static void proxy(TunnelSession session, Proxy proxy, Materializer materializer) {
    TunnelStream stream;
    try {
      stream = session.open(proxy.head());
    } catch (TunnelException e) {
      proxy.replyTo().tell(new ProxyFailed("the tunnel refused the request: " + e.getMessage()));
      return;
    }
    if (proxy.body() == null) {
      stream.end();
    } else {
      proxy.body().getSource()
          .mapAsync(1, bytes -> stream.write(bytes.asByteBuffer()))
          .runWith(Sink.ignore(), materializer)
          .whenComplete((done, failure) -> {
            if (failure == null) {
              stream.end();
            } else {
              stream.reset("request body failed: " + failure.getMessage());
            }
          });
    }
    stream.read().whenComplete((first, failure) -> {
      if (failure != null) {
        proxy.replyTo().tell(new ProxyFailed(failure.getMessage()));
      } else if (first instanceof TunnelStream.Head head) {
        SourceRef<ByteString> body = responseBody(stream).runWith(StreamRefs.sourceRef(), materializer);
        proxy.replyTo().tell(new Proxied(head.head(), body));
      } else {
        stream.reset("no response head");
        proxy.replyTo().tell(new ProxyFailed("the agent answered without a response head"));
      }
    });
  }

  /** The response body, pulled from the stream only as fast as the client takes it. */
  private static Source<ByteString, NotUsed> responseBody(TunnelStream stream) {
    return Source.unfoldAsync(stream, s -> s.read().thenApply(received ->
            received instanceof TunnelStream.Data data
                ? Optional.of(Pair.create(s, ByteString.fromByteBuffer(data.bytes())))
                : Optional.<Pair<TunnelStream, ByteString>>empty()))
        // a client that went away (a stopped watch) resets the stream, so the agent stops too;
        // after a complete exchange reset is a no-op
        .watchTermination((notUsed, done) -> {
          done.whenComplete((ok, failure) -> stream.reset("the client went away"));
          return NotUsed.getInstance();
        });
  }
}
