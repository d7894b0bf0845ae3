package io.flotilla.hub.tunnel;

import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.model.AttributeKeys;
import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.ResponseEntity;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.model.ws.BinaryMessage;
import akka.http.javadsl.model.ws.Message;
import akka.http.javadsl.model.ws.TextMessage;
import akka.http.javadsl.model.ws.WebSocketUpgrade;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.japi.Pair;
import akka.stream.Materializer;
import akka.stream.SourceRef;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.stream.javadsl.StreamRefs;
import akka.util.ByteString;
import io.flotilla.api.StatusException;
import io.flotilla.api.Validation;
import io.flotilla.hub.HubMetrics;
import io.flotilla.hub.cluster.ClusterRegistry;
import io.flotilla.hub.cluster.ManagedClusterEntity;
import io.flotilla.hub.http.Authenticator;
import io.flotilla.hub.http.HttpResponses;
import io.flotilla.hub.http.Principal;
import io.flotilla.tunnel.HttpHead;
import io.flotilla.tunnel.WebSocketMessages;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Subscriber;

/**
 * proxies.clusternet.io/v1alpha1: the agents' WebSocket ({@code sockets/<clusterID>}, the
 * cluster's own token) and the proxy through it ({@code sockets/<clusterID>/proxy/direct/<path>}
 * to the child API server, {@code .../proxy/<scheme>/<host:port>/<path>} to any address the agent
 * reaches; admin token). Bodies stream both ways; the tunnel may be held by another hub node.
 */
public final class TunnelRoutes extends AllDirectives {
  /** The child's credentials, as in Clusternet: becomes the child request's Authorization. */
  public static final String CHILD_TOKEN_HEADER = "Impersonate-Extra-Clusternet-Token";

  /**
   * Per-hop headers (RFC 9110 7.6.1), those Akka models apart or sets itself (entity type and
   * length, Date, its synthetic ones), and the hub's own credentials.
   */
  private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
      "content-type", "content-length", "date", "authorization", "timeout-access", "remote-address",
      "raw-request-uri", CHILD_TOKEN_HEADER.toLowerCase(Locale.ROOT),
      // a WebSocket handshake is per hop too: the agent makes its own with the child
      "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-accept");
  private static final long STRICT_TIMEOUT_MILLIS = 10_000;

  private final ActorSystem<?> system;
  private final ClusterRegistry clusters;
  private final Authenticator authenticator;
  private final HubMetrics metrics;
  private final TunnelConnection.Settings settings;
  private final Duration responseTimeout;

  public TunnelRoutes(ActorSystem<?> system, ClusterRegistry clusters, Authenticator authenticator,
      TunnelConnection.Settings settings, Duration responseTimeout) {
    this.system = system;
    this.clusters = clusters;
    this.authenticator = authenticator;
    this.metrics = HubMetrics.get(system);
    this.settings = settings;
    this.responseTimeout = responseTimeout;
  }

  public Route route() {
    return pathPrefix(PathMatchers.segment("apis").slash("proxies.clusternet.io").slash("v1alpha1").slash("sockets")
        .slash(PathMatchers.segment()), clusterId -> extractRequest(request -> concat(
            pathEndOrSingleSlash(() -> completeWithFuture(HttpResponses.recover(() -> socket(clusterId, request)))),
            pathPrefix("proxy", () -> extractUnmatchedPath(rest -> extractMaterializer(materializer ->
                completeWithFuture(HttpResponses.recover(() -> proxy(clusterId, rest, request, materializer)))))))));
  }

  private CompletionStage<HttpResponse> socket(String clusterId, HttpRequest request) {
    return authenticator.authenticate(authorization(request)).thenApply(principal -> {
      if (!(principal instanceof Principal.Cluster cluster) || !cluster.clusterId().equals(clusterId)) {
        throw StatusException.forbidden("only cluster " + clusterId + "'s own token may open its tunnel");
      }
      return request.getAttribute(AttributeKeys.webSocketUpgrade)
          .orElseThrow(() -> StatusException.badRequest("expected a WebSocket upgrade"))
          .handleMessagesWith(TunnelConnection.accept(system, clusterId, settings)
              .watchTermination((notUsed, closed) -> {
                metrics.tunnelOpened();
                closed.whenComplete((done, failure) -> metrics.tunnelClosed());
                return notUsed;
              }));
    });
  }

  private CompletionStage<HttpResponse> proxy(String clusterId, String rest, HttpRequest request,
      Materializer materializer) {
    String target = target(rest, request.getUri().rawQueryString().orElse(null));
    Optional<WebSocketUpgrade> upgrade = request.getAttribute(AttributeKeys.webSocketUpgrade);
    // the client's WebSocket messages: a source for the tunnel stream before the WebSocket exists
    AtomicReference<Subscriber<ByteString>> clientMessages = new AtomicReference<>();
    return authenticator.authenticate(authorization(request))
        .thenCompose(principal -> {
          if (!(principal instanceof Principal.Admin)) {
            throw StatusException.forbidden("only the hub administrator may proxy to clusters");
          }
          if (!Validation.isUuid(clusterId)) {
            throw notFound(clusterId);
          }
          return clusters.ask(clusterId, ManagedClusterEntity.GetTunnel::new);
        })
        .thenCompose(reply -> {
          var tunnel = ClusterRegistry.expect(reply, ManagedClusterEntity.TunnelFound.class, other -> notFound(clusterId));
          List<HttpHead.Header> headers = requestHeaders(request);
          SourceRef<ByteString> body;
          if (upgrade.isPresent()) {
            // the client's messages go into the stream once the child accepted the upgrade
            headers.add(new HttpHead.Header(WebSocketMessages.UPGRADE_HEADER, WebSocketMessages.WEBSOCKET));
            Pair<Subscriber<ByteString>, Source<ByteString, NotUsed>> messages =
                Source.<ByteString>asSubscriber().preMaterialize(materializer);
            clientMessages.set(messages.first());
            body = messages.second().runWith(StreamRefs.sourceRef(), materializer);
          } else {
            body = request.entity().isKnownEmpty() ? null
                : request.entity().withoutSizeLimit().getDataBytes().runWith(StreamRefs.sourceRef(), materializer);
          }
          HttpHead.Request head = new HttpHead.Request(request.method().value(), target, headers);
          return AskPattern.<TunnelConnection.Command, TunnelConnection.ProxyReply>ask(tunnel.connection(),
              replyTo -> new TunnelConnection.Proxy(head, body, replyTo), responseTimeout, system.scheduler());
        })
        .thenApply(reply -> {
          if (reply instanceof TunnelConnection.Proxied proxied) {
            metrics.proxied(proxied.head().status());
            if (upgrade.isPresent() && proxied.head().status() == 101) {
              return upgraded(upgrade.get(), proxied, Sink.fromSubscriber(clientMessages.get()), materializer);
            }
            if (upgrade.isPresent()) { // refused (e.g. 403 or 404 from the child): no messages will follow
              Source.<ByteString>empty().runWith(Sink.fromSubscriber(clientMessages.get()), materializer);
            }
            return response(proxied, request, materializer);
          }
          throw StatusException.unavailable("cluster " + clusterId + ": "
              + ((TunnelConnection.ProxyFailed) reply).message());
        });
  }

  /**
   * The client's WebSocket joined to the tunnel stream whose 101 the child answered (with the
   * subprotocol the child chose, e.g. kube's v5.channel.k8s.io): messages both ways as
   * {@link WebSocketMessages} records; either side closing ends both.
   */
  private static HttpResponse upgraded(WebSocketUpgrade upgrade, TunnelConnection.Proxied proxied,
      Sink<ByteString, NotUsed> toChild, Materializer materializer) {
    Sink<Message, NotUsed> fromClient = Flow.<Message>create()
        .mapAsync(1, message -> message.isText()
            ? message.asTextMessage().toStrict(STRICT_TIMEOUT_MILLIS, materializer).thenApply(strict ->
                new WebSocketMessages.Message(true, strict.getStrictText().getBytes(StandardCharsets.UTF_8)))
            : message.asBinaryMessage().toStrict(STRICT_TIMEOUT_MILLIS, materializer).thenApply(strict ->
                new WebSocketMessages.Message(false, strict.getStrictData().toArray())))
        .map(message -> ByteString.fromByteBuffer(WebSocketMessages.encode(message)))
        .to(toChild);
    Source<Message, NotUsed> toClient = proxied.body().getSource()
        .statefulMapConcat(() -> {
          WebSocketMessages.Decoder decoder = new WebSocketMessages.Decoder();
          return bytes -> decoder.feed(bytes.asByteBuffer());
        })
        .map(message -> message.text()
            ? (Message) TextMessage.create(new String(message.payload(), StandardCharsets.UTF_8))
            : BinaryMessage.create(ByteString.fromArray(message.payload())));
    Flow<Message, Message, NotUsed> bridge = Flow.fromSinkAndSourceCoupled(fromClient, toClient);
    Optional<String> subprotocol = proxied.head().header("Sec-WebSocket-Protocol");
    return subprotocol.isPresent() ? upgrade.handleMessagesWith(bridge, subprotocol.get())
        : upgrade.handleMessagesWith(bridge);
  }

  private static StatusException notFound(String clusterId) {
    return StatusException.notFound("cluster " + clusterId + " not found");
  }

  /** {@code direct/<path>} → the path on the child API server; {@code <scheme>/<host:port>/<path>} → that URL. */
  static String target(String rest, String rawQuery) {
    String path = rest.startsWith("/") ? rest.substring(1) : rest;
    String query = rawQuery == null ? "" : "?" + rawQuery;
    if (path.equals("direct") || path.startsWith("direct/")) {
      return "/" + path.substring(Math.min(path.length(), "direct/".length())) + query;
    }
    String[] parts = path.split("/", 3);
    if ((parts[0].equals("http") || parts[0].equals("https")) && parts.length >= 2 && !parts[1].isEmpty()) {
      return parts[0] + "://" + parts[1] + "/" + (parts.length == 3 ? parts[2] : "") + query;
    }
    throw StatusException.notFound("proxy paths are proxy/direct/<path> or proxy/<http|https>/<host:port>/<path>");
  }

  private static List<HttpHead.Header> requestHeaders(HttpRequest request) {
    List<HttpHead.Header> headers = new ArrayList<>();
    for (HttpHeader header : request.getHeaders()) {
      if (!NOT_FORWARDED.contains(header.lowercaseName())) {
        headers.add(new HttpHead.Header(header.name(), header.value()));
      }
    }
    request.getHeader(CHILD_TOKEN_HEADER)
        .ifPresent(token -> headers.add(new HttpHead.Header("Authorization", "Bearer " + token.value())));
    if (!request.entity().getContentType().equals(ContentTypes.NO_CONTENT_TYPE)) {
      headers.add(new HttpHead.Header("Content-Type", request.entity().getContentType().toString()));
    }
    request.entity().getContentLengthOption()
        .ifPresent(length -> headers.add(new HttpHead.Header("Content-Length", Long.toString(length))));
    return headers;
  }

  private static HttpResponse response(TunnelConnection.Proxied proxied, HttpRequest request,
      Materializer materializer) {
    HttpHead.Response head = proxied.head();
    List<HttpHeader> headers = new ArrayList<>();
    head.headers().stream()
        .filter(h -> !NOT_FORWARDED.contains(h.name().toLowerCase(Locale.ROOT)))
        .forEach(h -> headers.add(RawHeader.create(h.name(), h.value())));
    ContentType type = head.header("Content-Type").map(TunnelRoutes::contentType)
        .orElse(ContentTypes.APPLICATION_OCTET_STREAM);
    OptionalLong length = head.header("Content-Length").map(v -> OptionalLong.of(Long.parseLong(v.trim())))
        .orElse(OptionalLong.empty());
    Source<ByteString, NotUsed> body = proxied.body().getSource();
    ResponseEntity entity;
    if (request.method().equals(HttpMethods.HEAD) || head.status() == 204 || head.status() == 304
        || (length.isPresent() && length.getAsLong() == 0)) {
      body.runWith(Sink.ignore(), materializer);
      entity = head.status() == 204 || head.status() == 304 ? HttpEntities.EMPTY : HttpEntities.create(type, new byte[0]);
    } else if (length.isPresent()) {
      entity = HttpEntities.create(type, length.getAsLong(), body);
    } else {
      entity = HttpEntities.createChunked(type, body);
    }
    return HttpResponse.create().withStatus(head.status()).addHeaders(headers).withEntity(entity);
  }

  private static ContentType contentType(String value) {
    try {
      return ContentTypes.parse(value);
    } catch (RuntimeException e) {
      return ContentTypes.APPLICATION_OCTET_STREAM;
    }
  }

  private static String authorization(HttpRequest request) {
    return request.getHeader("Authorization").map(HttpHeader::value).orElse(null);
  }
}
