package io.flotilla.k8s.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.ManagedCluster;
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
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/**
 * Reads of a cluster's Descriptions on the hub and status reports on them: list, watch (kube's
 * line-delimited watch stream) and PUT status. The agent uses it with the cluster's own token
 * (Pull), the hub's Push delivery with the admin token.
 */
public final class HubDescriptions {
  private static final String APPS = "/apis/apps.clusternet.io/v1alpha1/namespaces/";
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** A list: the Descriptions and the resourceVersion to watch from. */
  public record Listed(List<ObjectNode> items, String resourceVersion) {}

  /** What the hub said when a status report was refused because the Description changed meanwhile. */
  public static final class Stale extends Exception {
    Stale(String message) {
      super(message);
    }
  }

  private final HttpClient http;
  private final String root;

  public HubDescriptions(URI parentUrl, SSLContext trust) {
    this.http = HttpClient.newBuilder().sslContext(trust).connectTimeout(REQUEST_TIMEOUT).build();
    String url = parentUrl.toString();
    this.root = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  public Listed list(String namespace, String token) throws HubException {
    HttpResponse<String> response = send(request(path(namespace), token).GET().timeout(REQUEST_TIMEOUT));
    JsonNode list = Json.parse(response.body().getBytes(StandardCharsets.UTF_8));
    List<ObjectNode> items = new ArrayList<>();
    list.path("items").forEach(item -> items.add((ObjectNode) item));
    return new Listed(items, list.path("metadata").path("resourceVersion").asText(""));
  }

  /** One Description as the hub has it now, or empty when it has none of that name. */
  public Optional<ObjectNode> get(String namespace, String name, String token) throws HubException {
    try {
      HttpResponse<String> response = send(request(path(namespace) + "/"
          + URLEncoder.encode(name, StandardCharsets.UTF_8), token).GET().timeout(REQUEST_TIMEOUT));
      return Optional.of((ObjectNode) Json.parse(response.body().getBytes(StandardCharsets.UTF_8)));
    } catch (HubException e) {
      if (e.code() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Follows changes after resourceVersion until the hub ends the stream (or timeoutSeconds),
   * handing each event ({type, object}) to the consumer. An ERROR event (e.g. 410 Expired) ends
   * it too: the caller lists again.
   */
  public void watch(String namespace, String resourceVersion, long timeoutSeconds, String token,
      Consumer<ObjectNode> events) throws HubException {
    String query = "?watch=true&allowWatchBookmarks=true&timeoutSeconds=" + timeoutSeconds
        + "&resourceVersion=" + URLEncoder.encode(resourceVersion, StandardCharsets.UTF_8);
    HttpRequest built = request(path(namespace) + query, token).GET().build();
    HttpResponse<Stream<String>> response;
    try {
      response = http.send(built, HttpResponse.BodyHandlers.ofLines());
    } catch (IOException e) {
      throw new HubException("watch descriptions: no answer from the hub: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubException("watch descriptions: interrupted", e);
    }
    try (Stream<String> lines = response.body()) {
      if (response.statusCode() != 200) {
        throw new HubException(response.statusCode(), null, "watch descriptions: HTTP " + response.statusCode());
      }
      lines.filter(line -> !line.isBlank())
          .map(line -> (ObjectNode) Json.parse(line.getBytes(StandardCharsets.UTF_8)))
          .takeWhile(event -> !"ERROR".equals(event.path("type").asText()))
          .forEach(events);
    } catch (RuntimeException e) {
      if (e.getCause() instanceof IOException io) {
        throw new HubException("watch descriptions: stream broke: " + io, io);
      }
      throw e;
    }
  }

  /**
   * PUTs the status of the Description as deployed: its resourceVersion is the precondition, so
   * the report of a Description that changed meanwhile is refused (Stale) and never overwrites
   * the status of the newer one.
   */
  public void reportStatus(ObjectNode description, JsonNode status, String token) throws HubException, Stale {
    ObjectNode body = description.deepCopy();
    body.set("status", status);
    String path = path(description.path("metadata").path("namespace").asText()) + "/"
        + URLEncoder.encode(description.path("metadata").path("name").asText(), StandardCharsets.UTF_8) + "/status";
    try {
      send(request(path, token).header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofByteArray(Json.write(body))).timeout(REQUEST_TIMEOUT));
    } catch (HubException e) {
      if (e.code() == 409 || e.code() == 404) {
        throw new Stale(e.getMessage());
      }
      throw e;
    }
  }

  /** PUTs a HelmRelease's status (the release as the agent's Helm deployer left it); a missing HelmRelease is skipped. */
  public void reportReleaseStatus(String namespace, String name, JsonNode status, String token) throws HubException {
    ObjectNode body = Json.MAPPER.createObjectNode().put("apiVersion", "apps.clusternet.io/v1alpha1")
        .put("kind", "HelmRelease");
    body.putObject("metadata").put("name", name).put("namespace", namespace);
    body.set("status", status);
    String path = APPS + URLEncoder.encode(namespace, StandardCharsets.UTF_8) + "/helmreleases/"
        + URLEncoder.encode(name, StandardCharsets.UTF_8) + "/status";
    try {
      send(request(path, token).header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofByteArray(Json.write(body))).timeout(REQUEST_TIMEOUT));
    } catch (HubException e) {
      if (e.code() != 404) {
        throw e;
      }
    }
  }

  /**
   * The ManagedCluster of a cluster ID (Push delivery's question: may the hub push to it, and to
   * which namespace), or null if the hub has none.
   */
  public ObjectNode managedCluster(String clusterId, String token) throws HubException {
    String selector = ManagedCluster.LABEL_CLUSTER_ID + "=" + clusterId;
    HttpResponse<String> response = send(request("/apis/clusters.clusternet.io/v1beta1/managedclusters?labelSelector="
        + URLEncoder.encode(selector, StandardCharsets.UTF_8), token).GET().timeout(REQUEST_TIMEOUT));
    JsonNode items = Json.parse(response.body().getBytes(StandardCharsets.UTF_8)).path("items");
    return items.size() == 1 && items.get(0) instanceof ObjectNode cluster ? cluster : null;
  }

  private String path(String namespace) {
    return APPS + URLEncoder.encode(namespace, StandardCharsets.UTF_8) + "/descriptions";
  }

  private HttpRequest.Builder request(String path, String token) {
    return HttpRequest.newBuilder(URI.create(root + path))
        .header("Accept", "application/json")
        .header("Authorization", "Bearer " + token);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws HubException {
    HttpRequest built = request.build();
    String what = built.method() + " " + built.uri().getPath();
    try {
      HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw HttpsHubApi.refused(what, response.statusCode(), response.body());
      }
      return response;
    } catch (IOException e) {
      throw new HubException(what + ": no answer from the hub: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubException(what + ": interrupted", e);
    }
  }
}
