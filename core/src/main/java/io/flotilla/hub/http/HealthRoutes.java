package io.flotilla.hub.http;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * /healthz, /livez, /readyz (plain "ok", as kube-apiserver answers; readiness includes the
 * journal store), /version (the Kubernetes version kubectl picks its client by) and /metrics.
 */
public final class HealthRoutes extends AllDirectives {
  /** Kubernetes API level this hub speaks; kubectl's dispatcher picks its minor version from it. */
  public static final String KUBERNETES_MAJOR = "1";
  public static final String KUBERNETES_MINOR = "32";

  private final Supplier<CompletionStage<String>> readiness;
  private final String flotillaVersion;
  private final MetricsEndpoint metrics;

  /** readiness completes with null when ready, else with the reason. */
  public HealthRoutes(Supplier<CompletionStage<String>> readiness, String flotillaVersion, MetricsEndpoint metrics) {
    this.readiness = readiness;
    this.flotillaVersion = flotillaVersion;
    this.metrics = metrics;
  }

  public Route route() {
    return get(() -> concat(
        path("healthz", () -> complete(ok())),
        path("livez", () -> complete(ok())),
        path("metrics", () -> extractRequest(request -> completeWithFuture(HttpResponses.recover(() ->
            metrics.scrape(request.getHeader("Authorization").map(h -> h.value()).orElse(null)))))),
        path("readyz", () -> completeWithFuture(readiness.get().handle((reason, failure) -> {
          String problem = failure != null ? failure.getMessage() : reason;
          return problem == null ? ok() : HttpResponse.create().withStatus(StatusCodes.SERVICE_UNAVAILABLE)
              .withEntity(ContentTypes.TEXT_PLAIN_UTF8, "[-]" + problem + "\nreadyz check failed");
        }))),
        path("version", () -> complete(HttpResponses.json(200, Map.of(
            "major", KUBERNETES_MAJOR,
            "minor", KUBERNETES_MINOR,
            "gitVersion", "v" + KUBERNETES_MAJOR + "." + KUBERNETES_MINOR + ".0-flotilla-" + flotillaVersion,
            "gitCommit", "",
            "gitTreeState", "clean",
            "buildDate", "",
            "goVersion", "",
            "compiler", "java",
            "platform", System.getProperty("os.name").toLowerCase() + "/" + System.getProperty("os.arch")))))));
  }

  private static HttpResponse ok() {
    return HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, "ok");
  }
}
