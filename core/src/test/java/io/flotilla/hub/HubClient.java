package io.flotilla.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;

/** A plain HTTPS client for the hub's API in tests: trusts only the hub's CA, like a real agent. */
public final class HubClient {
  public record Reply(int code, String body) {
    public JsonNode json() {
      try {
        return Json.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + code + "): " + body, e);
      }
    }

    public String text(String pointer) {
      return json().at(pointer).asText();
    }
  }

  private final HttpClient http;
  private final String base;

  public HubClient(SSLContext trust, int port) {
    this.http = HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(10)).build();
    this.base = "https://127.0.0.1:" + port;
  }

  public Reply get(String path, String token) {
    return send(request(path, token).GET());
  }

  public Reply delete(String path, String token) {
    return send(request(path, token).DELETE());
  }

  public Reply post(String path, String token, Object body) {
    return send(request(path, token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(body))));
  }

  public Reply put(String path, String token, Object body) {
    return send(request(path, token).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes(body))));
  }

  public Reply mergePatch(String path, String token, Object body) {
    return send(request(path, token).header("Content-Type", "application/merge-patch+json")
        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(bytes(body))));
  }

  public Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new AssertionError("request failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  public HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    return token == null ? builder : builder.header("Authorization", "Bearer " + token);
  }

  private static byte[] bytes(Object body) {
    return body instanceof String s ? s.getBytes(java.nio.charset.StandardCharsets.UTF_8)
        : body instanceof byte[] b ? b : Json.write(body);
  }

  /** A ClusterRegistrationRequest body as an agent sends it. */
  public static ObjectNode registrationRequest(String name, String clusterId) {
    ObjectNode crr = Json.MAPPER.createObjectNode();
    crr.put("apiVersion", "clusters.clusternet.io/v1beta1");
    crr.put("kind", "ClusterRegistrationRequest");
    crr.putObject("metadata").put("name", name);
    ObjectNode spec = crr.putObject("spec");
    spec.put("clusterId", clusterId);
    spec.put("clusterType", "EdgeCluster");
    spec.put("syncMode", "Pull");
    return crr;
  }

  /** Registers a new cluster with these labels, as an agent would (bootstrap token, a random cluster ID). */
  public Reply register(String bootstrapToken, Map<String, String> labels) {
    String id = UUID.randomUUID().toString();
    ObjectNode request = registrationRequest("clusternet-" + id, id);
    ((ObjectNode) request.get("spec")).set("clusterLabels", Json.MAPPER.valueToTree(labels));
    return post("/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests", bootstrapToken, request);
  }

  public static String managedClusterPath(JsonNode crr) {
    return "/apis/clusters.clusternet.io/v1beta1/namespaces/" + crr.at("/status/dedicatedNamespace").asText()
        + "/managedclusters/" + crr.at("/status/managedClusterName").asText();
  }

  public static ObjectNode statusReport(JsonNode crr, String k8sVersion) {
    return statusReport(crr, k8sVersion, 180);
  }

  public static ObjectNode statusReport(JsonNode crr, String k8sVersion, long heartbeatFrequencySeconds) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("apiVersion", "clusters.clusternet.io/v1beta1");
    body.put("kind", "ManagedCluster");
    body.putObject("metadata").put("name", crr.at("/status/managedClusterName").asText())
        .put("namespace", crr.at("/status/dedicatedNamespace").asText());
    ObjectNode status = body.putObject("status");
    status.put("k8sVersion", k8sVersion);
    status.put("platform", "linux/amd64");
    status.put("apiserverURL", "https://10.0.0.1:6443");
    status.put("healthz", true).put("livez", true).put("readyz", true);
    status.put("heartbeatFrequencySeconds", heartbeatFrequencySeconds);
    status.putObject("nodeStatistics").put("readyNodes", 3).put("notReadyNodes", 0);
    status.putObject("capacity").put("cpu", "12").put("memory", "48Gi");
    return body;
  }

}
