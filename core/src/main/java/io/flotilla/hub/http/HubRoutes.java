package io.flotilla.hub.http;

import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.MethodRejection;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.javadsl.server.Route;
import io.flotilla.api.StatusException;
import io.flotilla.hub.tunnel.TunnelRoutes;

/** Every route of the hub, with anything unmatched answered as a Status too. */
public final class HubRoutes extends AllDirectives {
  private final HealthRoutes health;
  private final TunnelRoutes tunnels;
  private final ResourceRoutes resources;
  private final UiRoutes ui;

  public HubRoutes(HealthRoutes health, TunnelRoutes tunnels, ResourceRoutes resources, UiRoutes ui) {
    this.health = health;
    this.tunnels = tunnels;
    this.resources = resources;
    this.ui = ui;
  }

  public Route route() {
    RejectionHandler rejections = RejectionHandler.newBuilder()
        .handleAll(MethodRejection.class, rejected -> complete(HttpResponses.status(
            StatusException.methodNotAllowed("the server does not allow this method on the requested resource").status())))
        .handleNotFound(complete(HttpResponses.status(
            StatusException.notFound("the server could not find the requested resource").status())))
        .build()
        .withFallback(RejectionHandler.defaultHandler());
    return handleRejections(rejections, () -> concat(health.route(), tunnels.route(), ui.route(), resources.route()));
  }
}
