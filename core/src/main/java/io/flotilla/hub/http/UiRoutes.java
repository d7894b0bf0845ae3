package io.flotilla.hub.http;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import io.flotilla.api.StatusException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The fleet dashboard (module ui, jar flotilla-ui): its static build from the classpath folder
 * `flotilla-ui/`, at `/ui` and `/ui/` (index.html) and `/ui/<asset>`. No authentication here:
 * the files are the same for everyone, and the app itself asks for a token and sends it with
 * every API call. Hashed assets (Vite's `assets/name-<hash>.ext`) are cached for a year,
 * index.html is revalidated every time (so a new hub version is picked up); a missing file is a
 * 404 Status, as everywhere else.
 */
public final class UiRoutes extends AllDirectives {
  static final String ROOT = "flotilla-ui/";
  private static final String INDEX = "index.html";
  /** Vite names bundled files `<name>-<8 or more base64url characters>.<ext>` under assets/. */
  private static final Pattern HASHED = Pattern.compile("assets/.+-[A-Za-z0-9_-]{8,}\\.[a-z0-9]+");
  private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
  private static final Map<String, String> TYPES = Map.ofEntries(
      Map.entry("html", "text/html; charset=UTF-8"),
      Map.entry("js", "text/javascript; charset=UTF-8"),
      Map.entry("mjs", "text/javascript; charset=UTF-8"),
      Map.entry("css", "text/css; charset=UTF-8"),
      Map.entry("json", "application/json"),
      Map.entry("map", "application/json"),
      Map.entry("svg", "image/svg+xml"),
      Map.entry("png", "image/png"),
      Map.entry("jpg", "image/jpeg"),
      Map.entry("ico", "image/x-icon"),
      Map.entry("webp", "image/webp"),
      Map.entry("woff2", "font/woff2"),
      Map.entry("woff", "font/woff"),
      Map.entry("txt", "text/plain; charset=UTF-8"));
  /** Everything the app loads comes from the hub itself; it talks to the hub's API only. */
  private static final List<HttpHeader> SECURITY = List.of(
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("Referrer-Policy", "no-referrer"),
      RawHeader.create("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "
          + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"));

  private final ClassLoader loader;
  /** The files are part of the jar and never change while the hub runs: each is read once. */
  private final Map<String, Optional<byte[]>> files = new ConcurrentHashMap<>();

  public UiRoutes() {
    this(UiRoutes.class.getClassLoader());
  }

  UiRoutes(ClassLoader loader) {
    this.loader = loader;
  }

  public Route route() {
    return pathPrefix("ui", () -> get(() -> extractUnmatchedPath(rest -> {
      if (rest.isEmpty() || rest.equals("/")) {
        return complete(file(INDEX));
      }
      if (!rest.startsWith("/")) {
        return reject(); // /uix… is not ours
      }
      return complete(file(rest.substring(1)));
    })));
  }

  /** The response for one file of the build (a path below flotilla-ui/). */
  HttpResponse file(String path) {
    // a known file type only: a folder of the build (on a file-system classpath) never reads as a file
    Optional<byte[]> bytes = SAFE_PATH.matcher(path).matches() && !path.contains("..") && type(path) != null
        ? files.computeIfAbsent(path, this::read) : Optional.empty();
    if (bytes.isEmpty()) {
      return HttpResponses.status(StatusException.notFound(path.equals(INDEX)
          ? "the dashboard is not built into this hub (flotilla-ui jar missing from the classpath)"
          : "no such file in the dashboard: /ui/" + path).status());
    }
    String cache = HASHED.matcher(path).matches() ? "public, max-age=31536000, immutable" : "no-cache";
    return HttpResponse.create()
        .withStatus(200)
        .addHeaders(SECURITY)
        .addHeader(RawHeader.create("Cache-Control", cache))
        .withEntity(contentType(path), bytes.get());
  }

  static ContentType contentType(String path) {
    String type = type(path);
    return type == null ? ContentTypes.APPLICATION_OCTET_STREAM : ContentTypes.parse(type);
  }

  private static String type(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? null : TYPES.get(path.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  private Optional<byte[]> read(String path) {
    try (InputStream in = loader.getResourceAsStream(ROOT + path)) {
      return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + ROOT + path, e);
    }
  }
}
