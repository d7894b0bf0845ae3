package io.flotilla.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.k8s.tunnel.TunnelClient;
import io.flotilla.k8s.tunnel.WebSocketTransport;
import io.flotilla.tunnel.HttpHead;
import io.flotilla.tunnel.TunnelSession;
import io.flotilla.tunnel.TunnelSettings;
import io.flotilla.tunnel.TunnelStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.function.IntFunction;

/**
 * Simulated agents in one JVM, speaking the agent's real protocols to a hub: registration with the
 * bootstrap token ({@link FleetClient}), the status heartbeat with the cluster's own token, the
 * tunnel (the tunnel module's {@link TunnelSession} over a JDK WebSocket, answering every proxied
 * request as a tiny child API server would) and Pull of Descriptions (list, then watch from the
 * list's resourceVersion, and a status report with the resourceVersion as precondition for every
 * generation not yet reported, as the agent's DescriptionSync does, minus the deploying).
 *
 * <p>Light by sharing: one HTTP client, one scheduler and one small pool for every agent; an agent
 * is its credentials, a scheduled heartbeat, and (when on) one WebSocket and one watch connection.
 * Heartbeats start at a random point of the interval, so a fleet never reports all at once.
 */
public final class FleetSimulator implements AutoCloseable {
  /** What every simulated child API server answers, whatever the request. */
  static final String CHILD_ANSWER = "{\"major\":\"1\",\"minor\":\"30\",\"gitVersion\":\"v1.30.2-simulated\"}";
  private static final Duration REDIAL = Duration.ofSeconds(2);
  /**
   * One JDK client's selector thread serves all its connections: with 2,000 (1,000 agents' tunnels
   * and watches) on one, a fifth of new connections timed out on this machine.
   */
  private static final int AGENTS_PER_CLIENT = 100;
  private static final String SUBSCRIPTION_UID_LABEL = "apps.clusternet.io/subs.uid";

  /**
   * @param tunnels  each agent keeps a tunnel open (one WebSocket each)
   * @param pull     each agent follows its Descriptions (one watch connection each) and reports them
   */
  public record Options(int agents, Duration heartbeat, boolean tunnels, boolean pull, int concurrency) {}

  private final HubTarget target;
  private final Options options;
  private final FleetClient client;
  /** Long-lived connections (tunnels, watches) spread over clients: one selector thread each. */
  private final HttpClient[] clients;
  private final ScheduledExecutorService timers;
  private final ExecutorService workers;
  private final String runId = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
  private final Queue<SimulatedAgent> agents = new ConcurrentLinkedQueue<>();
  private final AtomicInteger agentsStarted = new AtomicInteger();
  private volatile boolean closed;

  final Latencies heartbeatLatency = new Latencies();
  final LongAdder heartbeatsFailed = new LongAdder();
  final AtomicInteger tunnelsUp = new AtomicInteger();
  final LongAdder tunnelRequests = new LongAdder();
  final LongAdder dials = new LongAdder();
  final LongAdder lists = new LongAdder();
  final LongAdder watchFailures = new LongAdder();
  final LongAdder reportFailures = new LongAdder();
  /** Descriptions reported Success, by the uid of the Subscription they come from. */
  private final ConcurrentMap<String, LongAdder> reportedBySubscription = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, LongAdder> failures = new ConcurrentHashMap<>();

  public FleetSimulator(HubTarget target, Options options) throws Exception {
    this.target = target;
    this.options = options;
    this.client = new FleetClient(target, options.concurrency());
    this.workers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
        daemons("fleet-sim"));
    this.timers = Executors.newScheduledThreadPool(1, daemons("fleet-sim-timer"));
    this.clients = new HttpClient[Math.max(1, Math.min(64, options.agents() / AGENTS_PER_CLIENT))];
    for (int i = 0; i < clients.length; i++) {
      clients[i] = HttpClient.newBuilder().sslContext(target.sslContext()).version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(30)).build();
    }
  }

  /** The label value every cluster of this run carries (label {@link #RUN_LABEL}). */
  public String runId() {
    return runId;
  }

  public static final String RUN_LABEL = "loadtest.flotilla.io/run";

  /** Registers the agents (labels from {@code labels}, plus the run label) and starts them all. */
  public void start(IntFunction<Map<String, String>> labels) {
    client.register(options.agents(), "sim-" + runId, i -> {
      Map<String, String> merged = new HashMap<>(labels.apply(i));
      merged.put(RUN_LABEL, runId);
      return merged;
    }, true, this::startAgent);
  }

  /** As a real agent once registered: heartbeats, its tunnel, its Descriptions. */
  private void startAgent(FleetClient.Cluster cluster) {
    SimulatedAgent agent = new SimulatedAgent(cluster, target.nodeUrl(agentsStarted.getAndIncrement()));
    agents.add(agent);
    long interval = options.heartbeat().toMillis();
    timers.scheduleAtFixedRate(agent::heartbeat, ThreadLocalRandom.current().nextLong(interval), interval,
        TimeUnit.MILLISECONDS);
    if (options.tunnels()) {
      agent.dial();
    }
    if (options.pull()) {
      agent.list();
    }
  }

  public List<FleetClient.Cluster> clusters() {
    return agents.stream().map(agent -> agent.cluster).toList();
  }

  public FleetClient client() {
    return client;
  }

  /** How many Descriptions of that Subscription the agents have reported Success. */
  public long reported(String subscriptionUid) {
    LongAdder count = reportedBySubscription.get(subscriptionUid);
    return count == null ? 0 : count.sum();
  }

  /** One line of counters, for progress reports. */
  public String progress() {
    return String.format("heartbeats %d ok, %d failed, p50 %d ms, p99 %d ms; tunnels %d open, %d dials; "
            + "%d lists, %d watch failures, %d report failures; heap %d MiB", heartbeatsOk(), heartbeatsFailed.sum(),
        heartbeatLatency.percentile(0.5), heartbeatLatency.percentile(0.99), tunnelsUp.get(), dials.sum(),
        lists.sum(), watchFailures.sum(), reportFailures.sum(),
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20);
  }

  public long heartbeatsOk() {
    return heartbeatLatency.count();
  }

  @Override
  public void close() {
    closed = true;
    timers.shutdownNow();
    for (SimulatedAgent agent : agents) {
      TunnelSession session = agent.tunnel;
      if (session != null) {
        session.close("simulation over");
      }
    }
    workers.shutdownNow();
  }

  /** One simulated agent: its credentials and, when on, its tunnel and its watch. */
  private final class SimulatedAgent implements TunnelSession.Acceptor {
    final FleetClient.Cluster cluster;
    final String statusBody;
    final HttpClient http;
    /** The hub node its tunnel and watch connect to (a load balancer would pick one per connection). */
    final String node;
    volatile TunnelSession tunnel;

    SimulatedAgent(FleetClient.Cluster cluster, String node) {
      this.cluster = cluster;
      this.node = node;
      this.http = clients[Math.floorMod(cluster.clusterId().hashCode(), clients.length)];
      this.statusBody = Shapes.statusReport(cluster.namespace(), cluster.name(), "v1.30.2");
    }

    void heartbeat() {
      long start = System.nanoTime();
      client.put(cluster.path() + "/status", cluster.token(), statusBody).whenComplete((answer, failure) -> {
        if (failure == null) {
          heartbeatLatency.record(System.nanoTime() - start);
        } else {
          heartbeatsFailed.increment();
          failed("heartbeat", failure);
        }
      });
    }

    void dial() {
      if (closed) {
        return;
      }
      dials.increment();
      WebSocketTransport transport = new WebSocketTransport();
      TunnelSession session = TunnelSession.dialer(transport, TunnelSettings.DEFAULT, timers, workers, this);
      transport.serve(session);
      http.newWebSocketBuilder().header("Authorization", "Bearer " + cluster.token())
          .buildAsync(TunnelClient.socketUrl(URI.create(node), cluster.clusterId()), transport)
          .whenComplete((socket, failure) -> {
            if (failure != null) {
              failed("tunnel dial", failure);
              session.close("dial failed");
              later(REDIAL, this::dial);
              return;
            }
            transport.connected(socket);
            tunnel = session;
            tunnelsUp.incrementAndGet();
            session.closed().whenComplete((reason, ignored) -> {
              tunnelsUp.decrementAndGet();
              later(REDIAL, this::dial);
            });
          });
    }

    /** A child API server's answer to anything: a version document. */
    @Override
    public void accept(TunnelStream stream, HttpHead.Request head) {
      tunnelRequests.increment();
      byte[] body = CHILD_ANSWER.getBytes(StandardCharsets.UTF_8);
      stream.respond(new HttpHead.Response(200, List.of(new HttpHead.Header("Content-Type", "application/json"),
          new HttpHead.Header("Content-Length", Integer.toString(body.length)))));
      stream.write(ByteBuffer.wrap(body)).whenComplete((done, failure) -> stream.end());
    }

    private String descriptions() {
      return Shapes.APPS_API + "/namespaces/" + cluster.namespace() + "/descriptions";
    }

    void list() {
      if (closed) {
        return;
      }
      lists.increment();
      client.get(descriptions(), cluster.token()).whenComplete((list, failure) -> {
        if (failure != null) {
          failed("list", failure);
          watchFailures.increment();
          later(REDIAL, this::list);
          return;
        }
        for (JsonNode description : list.path("items")) {
          report((ObjectNode) description);
        }
        watch(list.path("metadata").path("resourceVersion").asText(""));
      });
    }

    /** Without timeoutSeconds, as informers: the hub ends the watch after 4 to 8 minutes. */
    void watch(String resourceVersion) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(node + descriptions()
              + "?watch=true&allowWatchBookmarks=true&resourceVersion="
              + URLEncoder.encode(resourceVersion, StandardCharsets.UTF_8)))
          .header("Authorization", "Bearer " + cluster.token()).header("Accept", "application/json").GET().build();
      http.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(new WatchLines()))
          .whenComplete((response, failure) -> {
            if (failure != null || response.statusCode() != 200) {
              failed("watch", failure != null ? failure : "HTTP " + response.statusCode());
              watchFailures.increment();
              later(REDIAL, this::list);
            } else {
              list(); // the hub ended the watch (timeoutSeconds, or an ERROR such as 410): list again
            }
          });
    }

    /** Reports a Description deployed unless this generation was reported already. */
    void report(ObjectNode description) {
      long generation = description.path("metadata").path("generation").asLong();
      JsonNode status = description.path("status");
      if (status.path("observedGeneration").asLong(-1) == generation
          && "Success".equals(status.path("phase").asText())) {
        return;
      }
      ObjectNode body = description.deepCopy();
      body.putObject("status").put("phase", "Success").put("observedGeneration", generation);
      String uid = description.path("metadata").path("labels").path(SUBSCRIPTION_UID_LABEL).asText("");
      client.put(descriptions() + "/" + description.path("metadata").path("name").asText() + "/status",
          cluster.token(), new String(Json.write(body), StandardCharsets.UTF_8)).whenComplete((answer, failure) -> {
            if (failure == null) {
              reportedBySubscription.computeIfAbsent(uid, key -> new LongAdder()).increment();
            } else {
              reportFailures.increment(); // a 409 (changed meanwhile): the newer version's event reports it
              failed("description report", failure);
            }
          });
    }

    /** The watch stream's lines: each an event {type, object}. */
    private final class WatchLines implements Flow.Subscriber<String> {
      @Override
      public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(String line) {
        if (line.isBlank()) {
          return;
        }
        JsonNode event = Json.parse(line.getBytes(StandardCharsets.UTF_8));
        String type = event.path("type").asText();
        if ((type.equals("ADDED") || type.equals("MODIFIED")) && event.path("object") instanceof ObjectNode object) {
          report(object);
        }
      }

      @Override
      public void onError(Throwable failure) {
        // the response's future fails too, and lists again
      }

      @Override
      public void onComplete() {
      }
    }
  }

  /** Counts a failure by what failed and why (the exception's class, or the HTTP status), for the summary. */
  private void failed(String what, Object why) {
    Throwable cause = why instanceof CompletionException c && c.getCause() != null ? c.getCause() : null;
    String reason = cause instanceof FleetClient.HttpFailure http ? "HTTP " + http.code()
        : cause != null ? cause.getClass().getSimpleName()
        : why instanceof Throwable t ? t.getClass().getSimpleName() : String.valueOf(why);
    failures.computeIfAbsent(what + ": " + reason, key -> new LongAdder()).increment();
  }

  /** Failures so far by what and why, e.g. {"heartbeat: HTTP 504": 12}. */
  public Map<String, Long> failures() {
    Map<String, Long> counts = new TreeMap<>();
    failures.forEach((key, count) -> counts.put(key, count.sum()));
    return counts;
  }

  private void later(Duration delay, Runnable action) {
    if (!closed) {
      long jittered = delay.toMillis() + ThreadLocalRandom.current().nextLong(delay.toMillis() + 1);
      try {
        timers.schedule(action, jittered, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // closing
      }
    }
  }

  private static ThreadFactory daemons(String name) {
    AtomicInteger n = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + n.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
