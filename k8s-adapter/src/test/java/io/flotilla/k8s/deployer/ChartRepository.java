package io.flotilla.k8s.deployer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Charts for the tests (test resources helm/demo, renamed and versioned, packaged by Helm itself)
 * and a classic chart repository (index.yaml + archives) serving them from loopback.
 */
public final class ChartRepository implements AutoCloseable {
  private final HttpServer server;
  private final AtomicInteger archiveRequests;

  private ChartRepository(HttpServer server, AtomicInteger archiveRequests) {
    this.server = server;
    this.archiveRequests = archiveRequests;
  }

  /** Serves {@code archives} (in {@code charts}) with an index.yaml listing them. */
  public static ChartRepository serve(Path charts, List<Path> archives) throws IOException {
    Files.writeString(charts.resolve("index.yaml"), index(archives, "charts/"));
    AtomicInteger archiveRequests = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      Path file = path.equals("/index.yaml") ? charts.resolve("index.yaml")
          : path.startsWith("/charts/") ? charts.resolve(path.substring("/charts/".length())) : null;
      if (!path.equals("/index.yaml")) {
        archiveRequests.incrementAndGet();
      }
      if (file == null || !Files.isRegularFile(file) || !file.normalize().startsWith(charts)) {
        exchange.sendResponseHeaders(404, -1);
      } else {
        byte[] body = Files.readAllBytes(file);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
      exchange.close();
    });
    server.start();
    return new ChartRepository(server, archiveRequests);
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Requests for anything but the index (the archives). */
  public int archiveRequests() {
    return archiveRequests.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }


  /** Packages helm/demo as {@code name}-{@code version} (plus {@code extraFiles}) into {@code destination}. */
  public static Path packageDemo(Path temp, String name, String version, Path destination, Map<String, String> extraFiles)
      throws Exception {
    Path source = Path.of(ChartRepository.class.getResource("/helm/demo/Chart.yaml").toURI()).getParent();
    Path dir = temp.resolve("src").resolve(name + "-" + version).resolve(name);
    try (var files = Files.walk(source)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path target = dir.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
    Files.writeString(dir.resolve("Chart.yaml"), Files.readString(dir.resolve("Chart.yaml"))
        .replace("name: demo", "name: " + name).replace("version: 0.1.0", "version: " + version));
    for (Map.Entry<String, String> extra : extraFiles.entrySet()) {
      Files.writeString(dir.resolve(extra.getKey()), extra.getValue());
    }
    Files.createDirectories(destination);
    new Helm(dir).packageIt().withDestination(destination).call();
    Path archive = destination.resolve(name + "-" + version + ".tgz");
    assertTrue(Files.isRegularFile(archive), archive.toString());
    return archive;
  }

  /** A repository index.yaml listing {@code archives}, each downloadable at {@code urlPrefix} + its file name. */
  public static String index(List<Path> archives, String urlPrefix) throws IOException {
    Map<String, List<String>> entries = new java.util.TreeMap<>();
    for (Path archive : archives) {
      String file = archive.getFileName().toString();
      String base = file.substring(0, file.length() - ".tgz".length());
      // name-version, the version starting at the first "-<digit>"
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(.*?)-(\\d.*)$").matcher(base);
      assertTrue(m.matches(), file);
      String digest = HelmChartRepository.sha256(Files.readAllBytes(archive));
      entries.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add("""
            - apiVersion: v2
              name: %s
              version: %s
              digest: %s
              created: "2024-01-01T00:00:00Z"
              urls:
              - %s%s
          """.formatted(m.group(1), m.group(2), digest, urlPrefix, file));
    }
    StringBuilder index = new StringBuilder("apiVersion: v1\nentries:\n");
    entries.forEach((name, versions) -> {
      index.append("  ").append(name).append(":\n");
      versions.forEach(index::append);
    });
    return index.append("generated: \"2024-01-01T00:00:00Z\"\n").toString();
  }
}
