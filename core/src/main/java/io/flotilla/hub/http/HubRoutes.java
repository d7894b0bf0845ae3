package io.flotilla.hub.http;

import akka.http.javadsl.model.AttributeKeys;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.MethodRejection;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.javadsl.server.Route;
import io.flotilla.api.StatusException;
import com.typesafe.config.Config;
import io.flotilla.hub.tunnel.TunnelRoutes;
import java.net.InetAddress;
import java.time.Clock;
import java.util.Optional;

/**
 * Every route of the hub, with anything unmatched answered as a Status too, behind the limit on
 * failed authentications per client address.
 */
public final class HubRoutes extends AllDirectives {
  private final HealthRoutes health;
  private final TunnelRoutes tunnels;
  private final ResourceRoutes resources;
  private final UiRoutes ui;
  private final AuthFailureLimiter authFailures;

  public HubRoutes(HealthRoutes health, TunnelRoutes tunnels, ResourceRoutes resources, UiRoutes ui,
      Config limits) {
    this.health = health;
    this.tunnels = tunnels;
    this.resources = resources;
    this.ui = ui;
    this.authFailures = new AuthFailureLimiter(limits.getInt("auth-failures-per-window"),
        limits.getDuration("auth-failure-window"), limits.getInt("max-tracked-addresses"), Clock.systemUTC());
  }

  public Route route() {
    RejectionHandler rejections = RejectionHandler.newBuilder()
        .handleAll(MethodRejection.class, rejected -> complete(HttpResponses.status(
            StatusException.methodNotAllowed("the server does not allow this method on the requested resource").status())))
        .handleNotFound(complete(HttpResponses.status(
            StatusException.notFound("the server could not find the requested resource").status())))
        .build()
        .withFallback(RejectionHandler.defaultHandler());
    // built once: a route built inside a per-request directive would be rebuilt for every request
    Route all = concat(health.route(), tunnels.route(), ui.route(), resources.route());
    return handleRejections(rejections, () -> limitingAuthFailures(all));
  }

  /** 429 for an address that failed authentication too often lately; every 401 answered counts. */
  private Route limitingAuthFailures(Route inner) {
    return extractRequest(request -> {
      Optional<InetAddress> address = request.getAttribute(AttributeKeys.remoteAddress)
          .flatMap(remote -> remote.getAddress());
      if (address.isEmpty()) {
        return inner;
      }
      long blocked = authFailures.blockedForSeconds(address.get());
      if (blocked > 0) {
        return complete(HttpResponses.status(StatusException.tooManyRequests(
            "too many failed authentications from this address; try again later", (int) blocked).status()));
      }
      return mapResponse(response -> {
        if (response.status().intValue() == 401) {
          authFailures.failed(address.get());
        }
        return response;
      }, () -> inner);
    });
  }
}
