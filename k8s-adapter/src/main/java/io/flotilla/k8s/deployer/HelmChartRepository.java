package io.flotilla.k8s.deployer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A classic HTTP(S) chart repository (index.yaml plus chart archives): finds a chart version in the index
 * as Helm does and downloads its archive into a cache directory, checked against the index's sha256 digest.
 * Archives are kept by repository URL, chart, version and digest, so an unchanged chart is downloaded once.
 */
final class HelmChartRepository {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final HttpClient http;
  private final Path cache;

  HelmChartRepository(Path cache) {
    this.cache = cache;
    this.http = HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(15))
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
  }

  /** A chart archive on local disk, its version and its sha256 (the content's identity). */
  record LocalChart(Path archive, String name, String version, String sha256) {
  }

  /** Raised when the repository answers but has no such chart or version (the HelmChart's NotFound). */
  static final class ChartNotFoundException extends Exception {
    ChartNotFoundException(String message) {
      super(message);
    }
  }

  /**
   * Looks {@code chart} up in {@code repoUrl}'s index and returns the archive of the version {@code version}
   * picks ("" for the newest stable one), downloading it unless cached.
   */
  LocalChart fetch(String repoUrl, String chart, String version) throws IOException, ChartNotFoundException {
    String base = repoUrl.endsWith("/") ? repoUrl : repoUrl + "/";
    JsonNode index;
    try (InputStream body = get(URI.create(base + "index.yaml"), "the index of chart repository " + repoUrl)) {
      index = YAML.readTree(body);
    }
    JsonNode entries = index == null ? null : index.path("entries").path(chart);
    if (entries == null || !entries.isArray() || entries.isEmpty()) {
      throw new ChartNotFoundException("chart \"" + chart + "\" not found in " + repoUrl + " repository");
    }
    List<String> versions = new ArrayList<>();
    entries.forEach(entry -> versions.add(entry.path("version").asText()));
    Optional<String> picked;
    try {
      picked = HelmVersions.pick(versions, version);
    } catch (IllegalArgumentException e) {
      throw new ChartNotFoundException("chart \"" + chart + "\" version \"" + version + "\": " + e.getMessage());
    }
    if (picked.isEmpty()) {
      throw new ChartNotFoundException("chart \"" + chart + "\""
          + (version == null || version.isBlank() ? " has no stable version" : " version \"" + version + "\" not found")
          + " in " + repoUrl + " repository");
    }
    JsonNode entry = null;
    for (JsonNode candidate : entries) {
      if (candidate.path("version").asText().equals(picked.get())) {
        entry = candidate;
        break;
      }
    }
    JsonNode urls = entry.path("urls");
    if (!urls.isArray() || urls.isEmpty()) {
      throw new ChartNotFoundException("chart \"" + chart + "\" version \"" + picked.get()
          + "\" has no download URL in " + repoUrl + " repository");
    }
    URI archiveUri = URI.create(base).resolve(urls.get(0).asText());
    String digest = entry.path("digest").asText("").toLowerCase(Locale.ROOT);
    if (digest.startsWith("sha256:")) {
      digest = digest.substring("sha256:".length());
    }
    String key = sha256((archiveUri + "\n" + digest).getBytes(StandardCharsets.UTF_8))
        .substring(0, 16);
    Path archive = cache.resolve(safe(chart) + "-" + safe(picked.get()) + "-" + key + ".tgz");
    if (Files.isRegularFile(archive)) {
      String cached = sha256(Files.readAllBytes(archive));
      if (digest.isEmpty() || cached.equals(digest)) {
        return new LocalChart(archive, chart, picked.get(), cached);
      }
    }
    Files.createDirectories(cache);
    Path partial = Files.createTempFile(cache, safe(chart), ".part");
    try {
      try (InputStream body = get(archiveUri, "chart \"" + chart + "\" version \"" + picked.get() + "\"")) {
        Files.copy(body, partial, StandardCopyOption.REPLACE_EXISTING);
      }
      String actual = sha256(Files.readAllBytes(partial));
      if (!digest.isEmpty() && !actual.equals(digest)) {
        throw new IOException("chart \"" + chart + "\" version \"" + picked.get() + "\" from " + archiveUri
            + " has digest sha256:" + actual + ", the index says sha256:" + digest);
      }
      Files.move(partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new LocalChart(archive, chart, picked.get(), actual);
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  private InputStream get(URI uri, String what) throws IOException {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + uri, e);
    }
    if (response.statusCode() != 200) {
      response.body().close();
      throw new IOException("cannot fetch " + what + ": GET " + uri + " answered " + response.statusCode());
    }
    return response.body();
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String safe(String text) {
    return text.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
