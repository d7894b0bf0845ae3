package io.flotilla.hub;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;

/**
 * This hub node's metrics, one registry per actor system (so nodes sharing a JVM in tests keep
 * theirs apart), scraped as Prometheus text at {@code /metrics}. Counters count what this node
 * served; fleet-wide gauges (clusters by readiness) are set from the fleet summary at scrape time.
 */
public final class HubMetrics implements Extension {
  private static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  public static final ExtensionId<HubMetrics> ID = new ExtensionId<>() {
    @Override
    public HubMetrics createExtension(ActorSystem<?> system) {
      return new HubMetrics();
    }
  };

  public static HubMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  private final Counter registrations = Counter.builder().name("flotilla_registrations_total")
      .help("Cluster registration requests answered, by result (Approved, Denied, Failed)")
      .labelNames("result").register(registry);
  private final Counter heartbeats = Counter.builder().name("flotilla_status_reports_total")
      .help("ManagedCluster status reports (heartbeats) accepted").register(registry);
  private final Histogram heartbeatLatency = Histogram.builder().name("flotilla_status_report_seconds")
      .help("Time to answer a status report, the entity's journal write included when it persists")
      .classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Counter apiRequests = Counter.builder().name("flotilla_api_requests_total")
      .help("Kubernetes-style API requests, by HTTP method and response code").labelNames("method", "code")
      .register(registry);
  private final Histogram apiLatency = Histogram.builder().name("flotilla_api_request_seconds")
      .help("Time to the response head of Kubernetes-style API requests (watches: to the stream's start)")
      .labelNames("method").classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Counter authenticationFailures = Counter.builder().name("flotilla_authentication_failures_total")
      .help("Requests refused 401: missing, unknown or revoked bearer tokens").register(registry);
  private final Gauge tunnels = Gauge.builder().name("flotilla_tunnel_sessions")
      .help("Agent tunnels connected to this hub node").register(registry);
  private final Counter proxyRequests = Counter.builder().name("flotilla_proxy_requests_total")
      .help("Requests proxied to child clusters through their tunnels, by response code").labelNames("code")
      .register(registry);
  private final Gauge clusters = Gauge.builder().name("flotilla_clusters")
      .help("Registered clusters by readiness (Ready, NotReady, Unknown), as of the fleet summary")
      .labelNames("readiness").register(registry);

  private final Histogram journalWrites = Histogram.builder().name("flotilla_journal_write_seconds")
      .help("Time from an entity's persist to the journal's acknowledgement (the Cassandra write), by entity")
      .labelNames("entity").classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Counter descriptionPhases = Counter.builder().name("flotilla_description_phase_changes_total")
      .help("Description status phase changes, by the new phase (Pending, Success, Failure, ...)")
      .labelNames("phase").register(registry);

  private final Gauge projectionLag = Gauge.builder().name("flotilla_projection_lag_seconds")
      .help("Time from an event's write to its processing by a projection slice on this node (its read model"
          + " or trigger), as of the slice's last processed event, by projection and slice")
      .labelNames("projection", "slice").register(registry);

  private HubMetrics() {
    JvmMetrics.builder().register(registry);
  }

  public void journalWrite(String entity, long nanos) {
    journalWrites.labelValues(entity).observe(nanos / 1e9);
  }

  public void projectionLag(String projection, String slice, long lagMillis) {
    projectionLag.labelValues(projection, slice).set(lagMillis / 1e3);
  }

  public void descriptionPhase(String phase) {
    descriptionPhases.labelValues(phase).inc();
  }

  public void registration(String result) {
    registrations.labelValues(result == null ? "Unknown" : result).inc();
  }

  public void statusReport(Duration took) {
    heartbeats.inc();
    heartbeatLatency.observe(took.toNanos() / 1e9);
  }

  public void apiRequest(String method, int code, Duration took) {
    apiRequests.labelValues(method, String.valueOf(code)).inc();
    apiLatency.labelValues(method).observe(took.toNanos() / 1e9);
    if (code == 401) {
      authenticationFailures.inc();
    }
  }

  public void tunnelOpened() {
    tunnels.inc();
  }

  public void tunnelClosed() {
    tunnels.dec();
  }

  public void proxied(int code) {
    proxyRequests.labelValues(String.valueOf(code)).inc();
  }

  /** The fleet's readiness counts, set just before a scrape. */
  public void clusters(Map<String, Long> byReadiness) {
    byReadiness.forEach((readiness, count) -> clusters.labelValues(readiness).set(count));
  }

  public String contentType() {
    return writer.getContentType();
  }

  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
