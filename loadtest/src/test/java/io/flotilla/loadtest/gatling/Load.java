package io.flotilla.loadtest.gatling;

import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.bodyBytes;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jmesPath;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.api.Json;
import io.flotilla.loadtest.FleetClient;
import io.flotilla.loadtest.HubTarget;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.function.LongFunction;
import java.util.stream.LongStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the simulations share: their properties, the hub under test (one per JVM; the Gatling
 * Maven plugin forks one JVM per simulation), the setup client, the HTTP protocol and a paged list.
 */
final class Load {
  private static final Logger log = LoggerFactory.getLogger(Load.class);
  /** Label every cluster a run registers carries, so selectors count only this run's clusters. */
  static final String RUN_LABEL = "loadtest.flotilla.io/run";

  private static HubTarget target;
  private static FleetClient fleet;

  private Load() {
  }

  /** The hub under test, started (or connected to) on first use; the JVM trusts its CA from then on. */
  static synchronized HubTarget target() {
    if (target == null) {
      try {
        long start = System.nanoTime();
        target = HubTarget.fromSystemProperties();
        target.installAsJvmTrust(Path.of(System.getProperty("loadtest.workDir", "target/loadtest")));
        log.info("hub under test: {} ({}{})", target.baseUrl(), target.local() != null
            ? "started here with embedded Cassandra in " + (System.nanoTime() - start) / 1_000_000 + " ms"
            : "external", target.trustAll() ? ", trusting any certificate" : "");
      } catch (Exception e) {
        throw new IllegalStateException("cannot reach or start the hub under test: " + e.getMessage(), e);
      }
    }
    return target;
  }

  static synchronized FleetClient fleet() {
    if (fleet == null) {
      try {
        fleet = new FleetClient(target(), intProperty("concurrency", 32));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return fleet;
  }

  /** Stops the hub this JVM started (a simulation's after()). */
  static synchronized void close() {
    if (target != null) {
      try {
        target.close();
      } catch (Exception e) {
        log.warn("stopping the hub: {}", e.toString());
      }
      target = null;
      fleet = null;
    }
  }

  /**
   * Admin-less base protocol: JSON both ways, no warm-up request to gatling.io.
   * {@code shared}: one connection pool for all virtual users (long-lived agent connections);
   * otherwise each virtual user opens its own, as a new agent does.
   */
  static HttpProtocolBuilder protocol(boolean shared) {
    HttpProtocolBuilder protocol = http.baseUrl(target().baseUrl()).disableWarmUp()
        .acceptHeader("application/json").contentTypeHeader("application/json")
        .userAgentHeader("flotilla-loadtest");
    // a bounded pool of kept-alive connections (property connections, 64), as agents behind a load
    // balancer reach a hub: unbounded, an overloaded moment opens thousands of TLS connections whose
    // handshakes then starve the hub and Gatling alike
    return shared ? protocol.shareConnections().maxConnectionsPerHost(intProperty("connections", 64)) : protocol;
  }

  static String runId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  static String admin() {
    return "Bearer " + target().adminToken();
  }

  /** An endless feeder: record 0, 1, 2, ... made by this function, in order. */
  static Iterator<Map<String, Object>> numbered(LongFunction<Map<String, Object>> record) {
    return LongStream.iterate(0, n -> n + 1).mapToObj(record).iterator();
  }

  static int intProperty(String name, int otherwise) {
    String value = System.getProperty(name);
    return value == null || value.isBlank() ? otherwise : Integer.parseInt(value.trim());
  }

  static double doubleProperty(String name, double otherwise) {
    String value = System.getProperty(name);
    return value == null || value.isBlank() ? otherwise : Double.parseDouble(value.trim());
  }

  static Duration seconds(String name, long otherwise) {
    return Duration.ofSeconds(intProperty(name, (int) otherwise));
  }

  /**
   * Lists {@code path} page by page ({@code limit} each, following {@code continue}) as one
   * request name. Every page must hold at most {@code limit} items; the last one fails (KO, with
   * the reason) unless {@code totalOk} accepts the number listed over all pages. Leaves the total
   * in the session attribute {@code listed}.
   */
  static ChainBuilder pagedList(String requestName, String path, Function<Session, String> selector, int limit,
      IntPredicate totalOk, String expectation) {
    return exec(session -> session.markAsSucceeded().set("listed", 0).set("continue", "").set("more", true))
        .asLongAs(session -> session.getBoolean("more")).on(
            exec(session -> session.remove("next").remove("items"))
                .exec(http(requestName)
                    .get(session -> url(path, selector.apply(session), limit, session.getString("continue")))
                    .header("Authorization", admin())
                    .check(status().is(200),
                        jmesPath("metadata.continue").optional().saveAs("next"),
                        jmesPath("length(items)").ofInt().saveAs("items"),
                        bodyBytes().transformWithSession((bytes, session) -> verdict(bytes, session, limit, totalOk,
                            expectation)).is("ok")))
                .exec(session -> {
                  String next = session.contains("next") ? session.getString("next") : "";
                  int items = session.contains("items") ? session.getInt("items") : 0;
                  return session.set("continue", next).set("listed", session.getInt("listed") + items)
                      .set("more", !next.isEmpty() && !session.isFailed());
                }));
  }

  private static String verdict(byte[] body, Session session, int limit, IntPredicate totalOk, String expectation) {
    JsonNode page;
    try {
      page = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int items = page.path("items").size();
    if (limit > 0 && items > limit) {
      return "a page of " + items + " items, over limit=" + limit;
    }
    int total = session.getInt("listed") + items;
    boolean last = page.path("metadata").path("continue").asText("").isEmpty();
    return !last || totalOk.test(total) ? "ok" : "listed " + total + ", expected " + expectation;
  }

  static String url(String path, String labelSelector, int limit, String continueToken) {
    StringBuilder url = new StringBuilder(path).append("?limit=").append(limit);
    if (labelSelector != null && !labelSelector.isEmpty()) {
      url.append("&labelSelector=").append(FleetClient.encode(labelSelector));
    }
    if (continueToken != null && !continueToken.isEmpty()) {
      url.append("&continue=").append(FleetClient.encode(continueToken));
    }
    return url.toString();
  }
}
