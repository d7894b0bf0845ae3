package io.flotilla.hub.http;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import io.flotilla.api.StatusException;
import io.flotilla.hub.HubMetrics;
import io.flotilla.hub.cluster.FleetSummary;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /metrics}: this node's metrics in Prometheus text, for the admin or viewer token
 * (Prometheus sends it as {@code authorization: {credentials_file: viewer-token}}). The fleet's
 * readiness gauges are set from the fleet summary's last finished scan: a scrape never waits for
 * one (after a restart at a million clusters the first takes minutes), so until it has finished
 * on this node they are absent.
 */
public final class MetricsEndpoint {
  private static final ContentType PROMETHEUS_TEXT = ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

  private final Authenticator authenticator;
  private final HubMetrics metrics;
  private final FleetSummary fleet;

  public MetricsEndpoint(Authenticator authenticator, HubMetrics metrics, FleetSummary fleet) {
    this.authenticator = authenticator;
    this.metrics = metrics;
    this.fleet = fleet;
  }

  public CompletionStage<HttpResponse> scrape(String authorization) {
    return authenticator.authenticate(authorization)
        .thenApply(principal -> {
          if (!principal.readsFleet()) {
            throw StatusException.forbidden("this token may not read metrics");
          }
          fleet.latest().ifPresent(counts -> metrics.clusters(counts.readiness()));
          return HttpResponse.create().withEntity(PROMETHEUS_TEXT, metrics.scrape());
        });
  }
}
