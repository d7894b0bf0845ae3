package io.flotilla.k8s.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.ClusterRegistrationRequest;
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
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * {@link HubApi} over HTTPS with the JDK client, trusting only the hub CA. Errors come back as
 * Kubernetes Status objects and are turned into {@link HubException}s; tokens never reach a message.
 */
public final class HttpsHubApi implements HubApi {
  private static final String BASE = "/apis/" + GROUP_VERSION;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http;
  private final String root;

  public HttpsHubApi(URI parentUrl, SSLContext trust) {
    this.http = HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER).build();
    String text = parentUrl.toString();
    this.root = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }

  @Override
  public ClusterRegistrationRequest createRegistration(ClusterRegistrationRequest request, String bootstrapToken)
      throws HubException {
    return send(builder(BASE + "/clusterregistrationrequests", bootstrapToken)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(request))), ClusterRegistrationRequest.class);
  }

  @Override
  public ClusterRegistrationRequest getRegistration(String name, String bootstrapToken) throws HubException {
    return send(builder(BASE + "/clusterregistrationrequests/" + segment(name), bootstrapToken).GET(),
        ClusterRegistrationRequest.class);
  }

  @Override
  public ManagedCluster getCluster(String namespace, String name, String clusterToken) throws HubException {
    return send(builder(clusterPath(namespace, name), clusterToken).GET(), ManagedCluster.class);
  }

  @Override
  public ManagedCluster reportStatus(ManagedCluster cluster, String clusterToken) throws HubException {
    return send(builder(clusterPath(cluster.metadata().namespace(), cluster.metadata().name()) + "/status",
        clusterToken).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(Json.write(cluster))), ManagedCluster.class);
  }

  @Override
  public ManagedCluster patchLabels(String namespace, String name, Map<String, String> labels, String clusterToken)
      throws HubException {
    ObjectNode patch = Json.MAPPER.createObjectNode();
    ObjectNode labelNode = patch.putObject("metadata").putObject("labels");
    labels.forEach((key, value) -> {
      if (value == null) {
        labelNode.putNull(key);
      } else {
        labelNode.put(key, value);
      }
    });
    return send(builder(clusterPath(namespace, name), clusterToken)
        .header("Content-Type", "application/merge-patch+json")
        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(Json.write(patch))), ManagedCluster.class);
  }

  private static String clusterPath(String namespace, String name) {
    return BASE + "/namespaces/" + segment(namespace) + "/managedclusters/" + segment(name);
  }

  private static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private HttpRequest.Builder builder(String path, String token) {
    return HttpRequest.newBuilder(URI.create(root + path)).timeout(REQUEST_TIMEOUT)
        .header("Accept", "application/json")
        .header("Authorization", "Bearer " + token);
  }

  private <T> T send(HttpRequest.Builder request, Class<T> type) throws HubException {
    HttpRequest built = request.build();
    String what = built.method() + " " + built.uri().getPath();
    HttpResponse<String> response;
    try {
      response = http.send(built, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new HubException(what + ": no answer from the hub: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubException(what + ": interrupted", e);
    }
    int code = response.statusCode();
    if (code >= 200 && code < 300) {
      try {
        return Json.MAPPER.readValue(response.body(), type);
      } catch (IOException e) {
        throw new HubException(code, "BadResponse", what + ": unreadable " + type.getSimpleName() + " in the answer: "
            + e.getMessage());
      }
    }
    throw refused(what, code, response.body());
  }

  /** The hub's refusal as an exception: its Status reason and message when the body is one, else the body (shortened). */
  static HubException refused(String what, int code, String body) {
    String reason = null;
    String message = body == null ? "" : body;
    try {
      JsonNode status = Json.MAPPER.readTree(message);
      if (status != null && "Status".equals(status.path("kind").asText())) {
        reason = status.path("reason").asText(null);
        message = status.path("message").asText(message);
      }
    } catch (IOException notJson) {
      // keep the raw body, shortened below
    }
    if (message.length() > 500) {
      message = message.substring(0, 500) + "...";
    }
    return new HubException(code, reason, what + ": " + code + (reason == null ? "" : " " + reason) + ": " + message);
  }
}
