package io.flotilla.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.JvmDefaults;
import io.flotilla.api.Json;
import io.flotilla.hub.http.BootstrapTokenSecrets;
import io.flotilla.hub.security.HubHome;
import io.flotilla.hub.security.Secrets;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code flotilla token create|list|revoke}: bootstrap tokens as kube-system Secrets
 * ({@link BootstrapTokenSecrets}), managed through a running hub's API with the admin token of
 * its home, as {@code kubeadm token} does for kube. Secrets are never printed by list.
 */
public final class TokenMain {
  private static final String USAGE = """
      usage: flotilla token create [--ttl DURATION] [--description TEXT] [--home DIR] [--server URL]
             flotilla token list [--home DIR] [--server URL]
             flotilla token revoke --id TOKEN_ID [--home DIR] [--server URL]
        --ttl          how long the token registers clusters: 30m, 24h, 7d; 0 = never expires (default 24h)
        --home         the hub's home, for its admin token and CA (default ./.flotilla)
        --server       the hub's URL (default: the server in <home>/hub/admin.kubeconfig)
      """;
  private static final Pattern SERVER = Pattern.compile("(?m)^\\s*server:\\s*(\\S+)\\s*$");
  private static final Pattern TTL = Pattern.compile("(\\d+)([smhd])");
  private static final String SECRETS = "/api/v1/namespaces/" + BootstrapTokenSecrets.NAMESPACE + "/secrets";

  private final HttpClient http;
  private final String server;
  private final String adminToken;

  private TokenMain(HttpClient http, String server, String adminToken) {
    this.http = http;
    this.server = server;
    this.adminToken = adminToken;
  }

  public static void main(String[] args) {
    JvmDefaults.apply();
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one subcommand; the exit code: 0 done, 1 the hub refused or failed, 2 bad usage. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || !List.of("create", "list", "revoke").contains(args[0])) {
      err.print(USAGE);
      return 2;
    }
    Map<String, String> options;
    try {
      options = Options.parse(Arrays.copyOfRange(args, 1, args.length),
          List.of("home", "server", "ttl", "description", "id"));
    } catch (IllegalArgumentException e) {
      err.println("flotilla token: " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    if (options.containsKey("help")) {
      out.print(USAGE);
      return 0;
    }
    try {
      Path hub = Path.of(options.getOrDefault("home", ".flotilla")).resolve("hub");
      String server = options.containsKey("server") ? options.get("server") : serverOf(hub.resolve("admin.kubeconfig"));
      TokenMain tokens = new TokenMain(HttpClient.newBuilder().sslContext(HubHome.trusting(hub.resolve("ca.crt")))
          .connectTimeout(Duration.ofSeconds(10)).build(), server,
          Files.readString(hub.resolve("admin-token"), StandardCharsets.US_ASCII).trim());
      return switch (args[0]) {
        case "create" -> tokens.create(ttl(options.getOrDefault("ttl", "24h")), options.get("description"), out, err);
        case "list" -> tokens.list(out, err);
        default -> tokens.revoke(options.get("id"), out, err);
      };
    } catch (IllegalArgumentException e) {
      err.println("flotilla token: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("flotilla token: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private int create(Duration ttl, String description, PrintStream out, PrintStream err)
      throws IOException, InterruptedException {
    for (int attempt = 0; attempt < 3; attempt++) { // a clash of random 6-character ids is rare, not impossible
      String token = Secrets.newBootstrapToken();
      String id = token.substring(0, token.indexOf('.'));
      ObjectNode secret = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Secret")
          .put("type", BootstrapTokenSecrets.TYPE);
      secret.putObject("metadata").put("name", "bootstrap-token-" + id)
          .put("namespace", BootstrapTokenSecrets.NAMESPACE);
      ObjectNode data = secret.putObject("stringData").put("token-id", id)
          .put("token-secret", token.substring(id.length() + 1)).put("usage-bootstrap-authentication", "true")
          .put("auth-extra-groups", "system:bootstrappers:clusternet:register-cluster-token");
      if (!ttl.isZero()) {
        data.put("expiration", Instant.now().plus(ttl).truncatedTo(ChronoUnit.SECONDS).toString());
      }
      if (description != null) {
        data.put("description", description);
      }
      HttpResponse<String> response = send(request(SECRETS).POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(secret)))
          .header("Content-Type", "application/json"));
      if (response.statusCode() == 201) {
        out.println(token);
        return 0;
      }
      if (response.statusCode() != 409) {
        return refused(response, err);
      }
    }
    err.println("flotilla token: three token ids in a row were taken; try again");
    return 1;
  }

  private int list(PrintStream out, PrintStream err) throws IOException, InterruptedException {
    HttpResponse<String> response = send(request(SECRETS).GET());
    if (response.statusCode() != 200) {
      return refused(response, err);
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"TOKEN ID", "EXPIRES", "USAGES", "DESCRIPTION"});
    for (JsonNode secret : Json.MAPPER.readTree(response.body()).path("items")) {
      if (!BootstrapTokenSecrets.TYPE.equals(secret.path("type").asText())) {
        continue;
      }
      JsonNode data = secret.path("data");
      String expires = decoded(data, "expiration");
      rows.add(new String[] {decoded(data, "token-id"), expires.isEmpty() ? "<never>" : expiry(expires),
          "true".equals(decoded(data, "usage-bootstrap-authentication")) ? "authentication" : "<none>",
          decoded(data, "description")});
    }
    int[] widths = new int[4];
    rows.forEach(row -> {
      for (int i = 0; i < 4; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    });
    rows.forEach(row -> out.println(String.format("%-" + widths[0] + "s   %-" + widths[1] + "s   %-" + widths[2]
        + "s   %s", (Object[]) row).stripTrailing()));
    return 0;
  }

  private int revoke(String id, PrintStream out, PrintStream err) throws IOException, InterruptedException {
    if (id == null || !id.matches("[a-z0-9]{6}")) {
      throw new IllegalArgumentException("revoke needs --id, the token's 6-character id (the part before the dot)");
    }
    HttpResponse<String> response = send(request(SECRETS + "/bootstrap-token-" + id).DELETE());
    if (response.statusCode() == 404) {
      err.println("flotilla token: no bootstrap token " + id);
      return 1;
    }
    if (response.statusCode() != 200) {
      return refused(response, err);
    }
    out.println("bootstrap token " + id + " revoked");
    return 0;
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(server + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + adminToken);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int refused(HttpResponse<String> response, PrintStream err) {
    String message = response.body();
    try {
      message = Json.MAPPER.readTree(response.body()).path("message").asText(message);
    } catch (IOException e) {
      // not a Status: print the body as it came
    }
    err.println("flotilla token: the hub answered " + response.statusCode() + ": " + message);
    return 1;
  }

  private static String expiry(String expiration) {
    try {
      return Instant.parse(expiration).isAfter(Instant.now()) ? expiration : expiration + " (expired)";
    } catch (DateTimeParseException e) {
      return expiration + " (invalid: expired)";
    }
  }

  private static String decoded(JsonNode data, String field) {
    return Objects.requireNonNullElse(BootstrapTokenSecrets.decoded(data, field), "");
  }

  static String serverOf(Path kubeconfig) throws IOException {
    Matcher m = SERVER.matcher(Files.readString(kubeconfig));
    if (!m.find()) {
      throw new IOException("no server in " + kubeconfig);
    }
    return m.group(1);
  }

  static Duration ttl(String text) {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = TTL.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("--ttl takes a number and a unit (s, m, h, d), or 0: " + text);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
