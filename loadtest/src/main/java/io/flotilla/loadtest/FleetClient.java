package io.flotilla.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.api.ClusterRegistrationRequest;
import io.flotilla.api.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fast setup for load tests over the hub's HTTP API: the JDK's async client with at most
 * {@code concurrency} requests in flight. Registers clusters exactly as the agent does (POST the
 * request with the bootstrap token, poll it until it has a result, then a first status report with
 * the cluster's own token) and waits, with a deadline, for the directory to list them.
 */
public final class FleetClient {
  private static final Logger log = LoggerFactory.getLogger(FleetClient.class);
  private static final Duration POLL = Duration.ofMillis(250);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration RETRY_DELAY = Duration.ofSeconds(1);
  private static final int RETRIES = 10;

  /** A registered cluster and its credential, as the agent stores it in Secret parent-cluster. */
  public record Cluster(String clusterId, String namespace, String name, String token, Map<String, String> labels) {
    public String path() {
      return Shapes.clusterPath(namespace, name);
    }
  }

  /** A non-2xx answer. */
  public static final class HttpFailure extends RuntimeException {
    private final int code;

    HttpFailure(String what, int code, String body) {
      super(what + ": HTTP " + code + ": " + (body.length() > 500 ? body.substring(0, 500) + "..." : body));
      this.code = code;
    }

    public int code() {
      return code;
    }
  }

  private final HubTarget target;
  private final HttpClient http;
  private final int concurrency;
  /** Requests go to the hub's nodes in turn. */
  private final AtomicInteger nextNode = new AtomicInteger();

  public FleetClient(HubTarget target, int concurrency) throws Exception {
    this.target = target;
    this.concurrency = concurrency;
    this.http = HttpClient.newBuilder().sslContext(target.sslContext()).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  public HubTarget target() {
    return target;
  }

  /**
   * Registers {@code count} new clusters (names {@code <prefix>-<i>}, labels from {@code labels}),
   * each with a first status report when {@code report}; fails if any fails.
   */
  public List<Cluster> register(int count, String prefix, IntFunction<Map<String, String>> labels, boolean report) {
    return register(count, prefix, labels, report, cluster -> { });
  }

  /** The same, handing each cluster to {@code registered} as soon as it is (a simulated agent starts then). */
  public List<Cluster> register(int count, String prefix, IntFunction<Map<String, String>> labels, boolean report,
      Consumer<Cluster> registered) {
    Semaphore inFlight = new Semaphore(concurrency);
    Cluster[] clusters = new Cluster[count];
    List<CompletableFuture<?>> all = new ArrayList<>(count);
    AtomicInteger done = new AtomicInteger();
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      inFlight.acquireUninterruptibly();
      int index = i;
      Map<String, String> clusterLabels = labels.apply(i);
      CompletableFuture<Cluster> one = registerOne(prefix + "-" + i, clusterLabels)
          .thenCompose(cluster -> report
              ? retrying(() -> put(cluster.path() + "/status", cluster.token(),
                  Shapes.statusReport(cluster.namespace(), cluster.name(), "v1.30.2")), RETRIES)
                  .thenApply(json -> cluster)
              : CompletableFuture.completedFuture(cluster));
      all.add(one.whenComplete((cluster, failure) -> {
        inFlight.release();
        clusters[index] = cluster;
        if (cluster != null) {
          registered.accept(cluster);
        }
        int n = done.incrementAndGet();
        if (count >= 10_000 && n % (count / 10) == 0) {
          log.info("setup: {} of {} clusters registered", n, count);
        }
      }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    double seconds = (System.nanoTime() - start) / 1e9;
    log.info("setup: registered {} clusters{} in {} s ({} /s)", count, report ? " with a first status report" : "",
        String.format("%.1f", seconds), String.format("%.0f", count / seconds));
    return List.of(clusters);
  }

  private CompletableFuture<Cluster> registerOne(String clusterName, Map<String, String> labels) {
    String clusterId = UUID.randomUUID().toString();
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    String name = ClusterRegistrationRequest.nameFor(clusterId);
    // as the agent: a failed POST is retried; 409 (an earlier try got through) polls the request
    return retrying(() -> post(Shapes.CLUSTERS_API + "/clusterregistrationrequests", target.bootstrapToken(),
            Shapes.registration(clusterId, clusterName, labels))
            .exceptionallyCompose(failure -> failure instanceof CompletionException c
                && c.getCause() instanceof HttpFailure f && f.code() == 409
                ? getRegistration(name) : CompletableFuture.failedFuture(failure)), RETRIES)
        .thenCompose(crr -> untilDecided(crr, deadline))
        .thenApply(crr -> {
          JsonNode status = crr.path("status");
          if (!ClusterRegistrationRequest.APPROVED.equals(status.path("result").asText())) {
            throw new IllegalStateException("registration of " + clusterId + " answered " + status);
          }
          return new Cluster(clusterId, status.path("dedicatedNamespace").asText(),
              status.path("managedClusterName").asText(), status.path("token").asText(), labels);
        });
  }

  private CompletableFuture<JsonNode> untilDecided(JsonNode crr, long deadline) {
    if (!crr.path("status").path("result").asText().isEmpty()) {
      return CompletableFuture.completedFuture(crr);
    }
    if (System.nanoTime() > deadline) {
      return CompletableFuture.failedFuture(new IllegalStateException("no result for "
          + crr.path("metadata").path("name").asText() + " within 2 minutes"));
    }
    Executor later = CompletableFuture.delayedExecutor(POLL.toMillis(), TimeUnit.MILLISECONDS);
    return CompletableFuture.supplyAsync(() -> crr, later)
        .thenCompose(previous -> retrying(() -> getRegistration(previous.path("metadata").path("name").asText()),
            RETRIES))
        .thenCompose(next -> untilDecided(next, deadline));
  }

  private CompletableFuture<JsonNode> getRegistration(String name) {
    return get(Shapes.CLUSTERS_API + "/clusterregistrationrequests/" + name, target.bootstrapToken());
  }

  /**
   * {@code call}, again (after RETRY_DELAY, up to {@code attempts} times) while it fails with a
   * timeout, a connection failure or a 5xx/429 answer: a busy hub's 504 must not end a setup.
   */
  static <T> CompletableFuture<T> retrying(Supplier<CompletableFuture<T>> call, int attempts) {
    return call.get().exceptionallyCompose(failure -> {
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      boolean transient_ = cause instanceof IOException
          || cause instanceof HttpFailure f && (f.code() >= 500 || f.code() == 429);
      if (!transient_ || attempts <= 1) {
        return CompletableFuture.failedFuture(cause);
      }
      log.debug("retrying after {}", cause.toString());
      Executor later = CompletableFuture.delayedExecutor(RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
      return CompletableFuture.supplyAsync(() -> attempts - 1, later)
          .thenCompose(left -> retrying(call, left));
    });
  }

  /** How many objects a list shows (following every page), e.g. {@code count(".../managedclusters", "a=b")}. */
  public CompletableFuture<Integer> count(String listPath, String labelSelector) {
    return countFrom(listPath, labelSelector, null, 0);
  }

  private CompletableFuture<Integer> countFrom(String listPath, String labelSelector, String continueToken, int sum) {
    StringBuilder url = new StringBuilder(listPath).append("?limit=500");
    if (labelSelector != null) {
      url.append("&labelSelector=").append(encode(labelSelector));
    }
    if (continueToken != null) {
      url.append("&continue=").append(encode(continueToken));
    }
    return retrying(() -> get(url.toString(), target.adminToken()), RETRIES).thenCompose(page -> {
      int total = sum + page.path("items").size();
      String next = page.path("metadata").path("continue").asText("");
      return next.isEmpty() ? CompletableFuture.completedFuture(total) : countFrom(listPath, labelSelector, next, total);
    });
  }

  /** Polls the list until it shows exactly {@code expected} objects; fails after {@code timeout}. */
  public void awaitCount(String listPath, String labelSelector, int expected, Duration timeout) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    int seen = -1;
    while (System.nanoTime() < deadline) {
      seen = count(listPath, labelSelector).join();
      if (seen == expected) {
        log.info("setup: {}?labelSelector={} lists all {} after {} ms", listPath, labelSelector, expected,
            (System.nanoTime() - start) / 1_000_000);
        return;
      }
      CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(POLL.toMillis(), TimeUnit.MILLISECONDS))
          .join();
    }
    throw new IllegalStateException(listPath + "?labelSelector=" + labelSelector + " lists " + seen + ", not "
        + expected + ", after " + timeout);
  }

  public CompletableFuture<JsonNode> get(String path, String token) {
    return send(request(path, token).GET());
  }

  /** A GET that may take longer than requests usually do (a fleet-wide scan). */
  public CompletableFuture<JsonNode> get(String path, String token, Duration timeout) {
    return send(request(path, token).timeout(timeout).GET());
  }

  public CompletableFuture<JsonNode> post(String path, String token, String json) {
    return send(request(path, token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  public CompletableFuture<JsonNode> put(String path, String token, String json) {
    return send(request(path, token).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** {@code post}, and join; for setup steps in a simulation's before(). */
  public JsonNode create(String path, String json) {
    try {
      return post(path, target.adminToken(), json).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private HttpRequest.Builder request(String path, String token) {
    return HttpRequest.newBuilder(URI.create(target.nodeUrl(nextNode.getAndIncrement()) + path))
        .timeout(REQUEST_TIMEOUT)
        .header("Accept", "application/json").header("Authorization", "Bearer " + token);
  }

  private CompletableFuture<JsonNode> send(HttpRequest.Builder builder) {
    HttpRequest request = builder.build();
    String what = request.method() + " " + request.uri().getPath();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenApply(response -> {
      if (response.statusCode() / 100 != 2) {
        throw new HttpFailure(what, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
      }
      try {
        return Json.MAPPER.readTree(response.body());
      } catch (IOException e) {
        throw new IllegalStateException(what + ": unreadable answer", e);
      }
    });
  }

  public static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
