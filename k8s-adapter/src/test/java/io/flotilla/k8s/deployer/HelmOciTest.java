package io.flotilla.k8s.deployer;

import static io.flotilla.k8s.deployer.HelmDeployerTest.description;
import static io.flotilla.k8s.deployer.HelmDeployerTest.helmChart;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm deployer with charts in an OCI registry: a read-only registry on loopback serving Helm's OCI
 * layout (an image manifest whose config is the chart's metadata and whose one layer is the chart archive),
 * from which Helm itself pulls.
 */
class HelmOciTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

  @TempDir
  static Path temp;

  private static SandboxApiServer sandbox;
  private static HttpServer registry;
  private static Path kubeconfig;
  private static String repoUrl;
  /** repository name → tag → manifest digest; digest → blob (manifests, configs and layers). */
  private static final Map<String, Map<String, String>> tags = new ConcurrentHashMap<>();
  private static final Map<String, byte[]> blobs = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    sandbox = SandboxApiServer.start(0);
    kubeconfig = sandbox.writeKubeconfig(temp.resolve("kubeconfig"));
    Path charts = temp.resolve("charts");
    publish("charts/demo", ChartRepository.packageDemo(temp, "demo", "0.1.0", charts, Map.of()));
    publish("charts/demo", ChartRepository.packageDemo(temp, "demo", "0.2.0", charts, Map.of()));
    registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    registry.createContext("/", HelmOciTest::serve);
    registry.start();
    repoUrl = "oci://127.0.0.1:" + registry.getAddress().getPort() + "/charts";
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.stop(0);
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void installsFromAnOciRegistryAndUpgradesOnlyOnChange() throws Exception {
    HelmDeployer deployer = new HelmDeployer(kubeconfig, temp.resolve("work"));
    ObjectNode chart = helmChart("oci-web", repoUrl, "demo", "0.1.0", "oci-apps");
    chart.with("spec").put("plainHTTP", true);
    HelmDeployer.Result installed = deployer.apply(description("oci-helm", chart, Map.of("greeting", "ahoy")));
    assertEquals("Success", installed.descriptionStatus().path("phase").asText(), installed.toString());
    assertEquals(1, installed.releaseStatuses().get(0).path("version").asInt());
    assertEquals("oci-web says ahoy", installed.releaseStatuses().get(0).path("notes").asText());
    JsonNode configMap = get("/api/v1/namespaces/oci-apps/configmaps/oci-web-config");
    assertEquals("ahoy", configMap.path("data").path("greeting").asText());
    assertEquals("demo-0.1.0", configMap.path("metadata").path("labels").path("chart").asText());

    assertEquals(1, deployer.apply(description("oci-helm", chart, Map.of("greeting", "ahoy")))
        .releaseStatuses().get(0).path("version").asInt(), "unchanged: no new revision");

    // no version: the newest tag, and then it stays put
    chart.with("spec").remove("version");
    assertEquals(2, deployer.apply(description("oci-helm", chart, Map.of("greeting", "ahoy")))
        .releaseStatuses().get(0).path("version").asInt());
    assertEquals("demo-0.2.0", get("/api/v1/namespaces/oci-apps/configmaps/oci-web-config")
        .path("metadata").path("labels").path("chart").asText());
    assertEquals(2, deployer.apply(description("oci-helm", chart, Map.of("greeting", "ahoy")))
        .releaseStatuses().get(0).path("version").asInt());

    deployer.remove(description("oci-helm", chart, null));
    io.flotilla.k8s.agent.Poll.until(java.time.Duration.ofSeconds(10), () ->
        assertEquals(404, status("/api/v1/namespaces/oci-apps/configmaps/oci-web-config")));
  }

  @Test
  void aChartMissingFromTheRegistryFails() {
    HelmDeployer deployer = new HelmDeployer(kubeconfig, temp.resolve("work-missing"));
    ObjectNode chart = helmChart("oci-nope", repoUrl, "nope", "1.0.0", "oci-apps");
    chart.with("spec").put("plainHTTP", true);
    HelmDeployer.Result result = deployer.apply(description("oci-missing", chart, null));
    assertEquals("Failure", result.descriptionStatus().path("phase").asText(), result.toString());
    String reason = result.descriptionStatus().path("reason").asText();
    assertTrue(reason.contains("chart \"nope\" version \"1.0.0\" not found in " + repoUrl), reason);

    ObjectNode version = helmChart("oci-v9", repoUrl, "demo", "9.9.9", "oci-apps");
    version.with("spec").put("plainHTTP", true);
    HelmDeployer.Result noVersion = deployer.apply(description("oci-missing", version, null));
    assertEquals("Failure", noVersion.descriptionStatus().path("phase").asText(), noVersion.toString());
  }

  // --- the registry ----------------------------------------------------------------------------------------

  /** Stores {@code archive} as Helm pushes a chart: tag = chart version, config = Chart.yaml as JSON. */
  private static void publish(String repository, Path archive) throws IOException {
    byte[] layer = Files.readAllBytes(archive);
    JsonNode chartYaml = chartYaml(layer);
    byte[] config = JSON.writeValueAsBytes(chartYaml);
    String configDigest = put(config);
    String layerDigest = put(layer);
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2).put("mediaType", MANIFEST_TYPE);
    manifest.putObject("config").put("mediaType", "application/vnd.cncf.helm.config.v1+json")
        .put("digest", configDigest).put("size", config.length);
    manifest.putArray("layers").addObject()
        .put("mediaType", "application/vnd.cncf.helm.chart.content.v1.tar+gzip")
        .put("digest", layerDigest).put("size", layer.length);
    String manifestDigest = put(JSON.writeValueAsBytes(manifest));
    tags.computeIfAbsent(repository, r -> new ConcurrentHashMap<>())
        .put(chartYaml.path("version").asText(), manifestDigest);
  }

  private static String put(byte[] blob) {
    String digest = "sha256:" + HelmChartRepository.sha256(blob);
    blobs.put(digest, blob);
    return digest;
  }

  /** Chart.yaml from the archive (a tar in gzip: 512-byte headers, name at 0, octal size at 124). */
  private static JsonNode chartYaml(byte[] archive) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(archive))) {
      byte[] tar = in.readAllBytes();
      for (int at = 0; at + 512 <= tar.length; ) {
        String name = new String(tar, at, 100, StandardCharsets.US_ASCII).replace("\0", "");
        String octal = new String(tar, at + 124, 12, StandardCharsets.US_ASCII).replace("\0", "").trim();
        int size = octal.isEmpty() ? 0 : Integer.parseInt(octal, 8);
        if (name.endsWith("/Chart.yaml") && name.indexOf('/') == name.length() - "/Chart.yaml".length()) {
          return new ObjectMapper(new YAMLFactory()).readTree(new String(tar, at + 512, size, StandardCharsets.UTF_8));
        }
        at += 512 + (size + 511) / 512 * 512;
      }
    }
    throw new IOException("no Chart.yaml in the archive");
  }

  private static final Pattern PATH = Pattern.compile("^/v2/(.+)/(manifests|blobs|tags)/(.+)$");

  private static void serve(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      boolean head = exchange.getRequestMethod().equals("HEAD");
      if (path.equals("/v2/") || path.equals("/v2")) {
        respond(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8), null, head);
        return;
      }
      Matcher m = PATH.matcher(path);
      if (!m.matches() || !exchange.getRequestMethod().equals("GET") && !head) {
        error(exchange, 404, "NAME_UNKNOWN", head);
        return;
      }
      Map<String, String> repoTags = tags.get(m.group(1));
      switch (m.group(2)) {
        case "tags" -> {
          if (repoTags == null) {
            error(exchange, 404, "NAME_UNKNOWN", head);
          } else {
            ObjectNode list = JSON.createObjectNode().put("name", m.group(1));
            repoTags.keySet().stream().sorted().forEach(list.putArray("tags")::add);
            respond(exchange, 200, "application/json", JSON.writeValueAsBytes(list), null, head);
          }
        }
        case "manifests" -> {
          String reference = m.group(3);
          String digest = reference.startsWith("sha256:") ? reference
              : repoTags == null ? null : repoTags.get(reference);
          if (digest == null || !blobs.containsKey(digest)) {
            error(exchange, 404, "MANIFEST_UNKNOWN", head);
          } else {
            respond(exchange, 200, MANIFEST_TYPE, blobs.get(digest), digest, head);
          }
        }
        default -> {
          byte[] blob = repoTags == null ? null : blobs.get(m.group(3));
          if (blob == null) {
            error(exchange, 404, "BLOB_UNKNOWN", head);
          } else {
            respond(exchange, 200, "application/octet-stream", blob, m.group(3), head);
          }
        }
      }
    } finally {
      exchange.close();
    }
  }

  private static void error(HttpExchange exchange, int code, String error, boolean head) throws IOException {
    byte[] body = ("{\"errors\":[{\"code\":\"" + error + "\",\"message\":\"" + error.toLowerCase().replace('_', ' ')
        + "\"}]}").getBytes(StandardCharsets.UTF_8);
    respond(exchange, code, "application/json", body, null, head);
  }

  private static void respond(HttpExchange exchange, int code, String type, byte[] body, String digest,
                              boolean head) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
    if (digest != null) {
      exchange.getResponseHeaders().set("Docker-Content-Digest", digest);
    }
    if (head) {
      exchange.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
      exchange.sendResponseHeaders(code, -1);
      return;
    }
    exchange.sendResponseHeaders(code, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  // --- the sandbox -----------------------------------------------------------------------------------------

  private static JsonNode get(String path) throws Exception {
    HttpResponse<byte[]> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(sandbox.url() + path)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, response.statusCode(), path);
    return JSON.readTree(response.body());
  }

  private static int status(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(sandbox.url() + path)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
