package io.flotilla.k8s.deployer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.ReleaseHistory;
import io.flotilla.k8s.agent.Poll;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm deployer against the sandbox child API server, with charts packaged here by Helm itself and served
 * as a classic chart repository (index.yaml + archives) from loopback.
 */
class HelmDeployerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  static Path temp;

  private static SandboxApiServer sandbox;
  private static ChartRepository repo;
  private static Path kubeconfig;
  private static String repoUrl;

  @BeforeAll
  static void start() throws Exception {
    sandbox = SandboxApiServer.start(0);
    kubeconfig = sandbox.writeKubeconfig(temp.resolve("kubeconfig"));
    Path charts = Files.createDirectories(temp.resolve("repo"));
    List<Path> archives = new ArrayList<>();
    archives.add(ChartRepository.packageDemo(temp, "demo", "0.1.0", charts, Map.of()));
    archives.add(ChartRepository.packageDemo(temp, "demo", "0.2.0", charts, Map.of()));
    archives.add(ChartRepository.packageDemo(temp, "demo", "0.3.0-rc.1", charts, Map.of()));
    // a chart whose second object is of a kind the cluster does not serve: Helm's install fails
    archives.add(ChartRepository.packageDemo(temp, "broken", "1.0.0", charts, Map.of("templates/widget.yaml", """
        apiVersion: example.com/v1
        kind: Widget
        metadata:
          name: {{ .Release.Name }}-widget
        """)));
    archives.add(ChartRepository.packageDemo(temp, "slow", "1.0.0", charts, Map.of("templates/deployment.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{ .Release.Name }}-web
        spec:
          replicas: 1
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: web
                image: registry.example/web:1
        """)));
    repo = ChartRepository.serve(charts, archives);
    repoUrl = repo.url();
  }

  @AfterAll
  static void stop() {
    if (repo != null) {
      repo.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void installsUpgradesOnlyOnChangeAndUninstalls() throws Exception {
    HelmDeployer deployer = new HelmDeployer(kubeconfig, temp.resolve("work-1"));
    ObjectNode chart = helmChart("web", repoUrl, "demo", "0.1.0", "team-a");
    ObjectNode desc = description("app-helm", chart, Map.of("greeting", "hello"));

    HelmDeployer.Result installed = deployer.apply(desc);
    assertEquals("Success", installed.descriptionStatus().path("phase").asText(), installed.toString());
    assertEquals(1, installed.releaseStatuses().size());
    ObjectNode status = installed.releaseStatuses().get(0);
    assertEquals("deployed", status.path("phase").asText());
    assertEquals(1, status.path("version").asInt());
    assertEquals("web says hello", status.path("notes").asText());
    assertTrue(status.hasNonNull("lastDeployed"), status.toString());
    JsonNode configMap = get("/api/v1/namespaces/team-a/configmaps/web-config");
    assertEquals("hello", configMap.path("data").path("greeting").asText());
    assertEquals("demo-0.1.0", configMap.path("metadata").path("labels").path("chart").asText());
    assertTrue(exists("/api/v1/namespaces/team-a"), "createNamespace defaults to true");

    int archivesFetched = repo.archiveRequests();
    HelmDeployer.Result again = deployer.apply(desc);
    assertEquals("Success", again.descriptionStatus().path("phase").asText());
    assertEquals(1, again.releaseStatuses().get(0).path("version").asInt(), "unchanged: no new revision");
    assertEquals("web says hello", again.releaseStatuses().get(0).path("notes").asText());
    assertEquals(1, history("web", "team-a").size());
    assertEquals(archivesFetched, repo.archiveRequests(), "the archive is cached in workDir");

    HelmDeployer.Result changed = deployer.apply(description("app-helm", chart, Map.of("greeting", "bonjour")));
    assertEquals("Success", changed.descriptionStatus().path("phase").asText());
    assertEquals(2, changed.releaseStatuses().get(0).path("version").asInt());
    assertEquals("bonjour", get("/api/v1/namespaces/team-a/configmaps/web-config")
        .path("data").path("greeting").asText());

    ObjectNode newer = helmChart("web", repoUrl, "demo", "0.2.0", "team-a");
    HelmDeployer.Result upgraded = deployer.apply(description("app-helm", newer, Map.of("greeting", "bonjour")));
    assertEquals(3, upgraded.releaseStatuses().get(0).path("version").asInt(), "a new chart version upgrades");
    assertEquals("demo-0.2.0", get("/api/v1/namespaces/team-a/configmaps/web-config")
        .path("metadata").path("labels").path("chart").asText());

    deployer.remove(description("app-helm", newer, Map.of("greeting", "bonjour")));
    Poll.until(Duration.ofSeconds(10), () -> {
      assertFalse(exists("/api/v1/namespaces/team-a/configmaps/web-config"), "the chart's objects are gone");
      assertTrue(releaseSecrets("team-a", "web").isEmpty(), "the release is gone");
    });
    // removing again is fine: the release is already gone
    deployer.remove(description("app-helm", newer, Map.of("greeting", "bonjour")));
  }

  @Test
  void noValuesTakesTheChartDefaultsAndEmptyValuesStayUnchanged() throws Exception {
    HelmDeployer deployer = new HelmDeployer(kubeconfig, temp.resolve("work-2"));
    ObjectNode chart = helmChart("plain", repoUrl, "demo", "", "team-b");
    HelmDeployer.Result result = deployer.apply(description("plain-helm", chart, null));
    assertEquals("Success", result.descriptionStatus().path("phase").asText(), result.toString());
    assertEquals("hello-from-defaults", get("/api/v1/namespaces/team-b/configmaps/plain-config")
        .path("data").path("greeting").asText());
    assertEquals("demo-0.2.0", get("/api/v1/namespaces/team-b/configmaps/plain-config")
        .path("metadata").path("labels").path("chart").asText(), "no version: the newest stable one");

    // values set, then dropped again: the upgrade goes back to the chart's defaults (--reset-values)
    assertEquals(2, deployer.apply(description("plain-helm", chart, Map.of("greeting", "hey")))
        .releaseStatuses().get(0).path("version").asInt());
    assertEquals(3, deployer.apply(description("plain-helm", chart, null))
        .releaseStatuses().get(0).path("version").asInt());
    assertEquals("hello-from-defaults", get("/api/v1/namespaces/team-b/configmaps/plain-config")
        .path("data").path("greeting").asText());
    assertEquals(3, deployer.apply(description("plain-helm", chart, Map.of()))
        .releaseStatuses().get(0).path("version").asInt(), "{} is the same as no values");
    deployer.remove(description("plain-helm", chart, null));
  }

  @Test
  void aChartMissingFromTheRepositoryFails() {
    HelmDeployer deployer = new HelmDeployer(kubeconfig, temp.resolve("work-3"));
    HelmDeployer.Result missing = deployer.apply(description("missing-helm",
        helmChart("nope", repoUrl, "nope", "1.0.0", "team-c"), null));
    assertEquals("Failure", missing.descriptionStatus().path("phase").asText());
    String reason = missing.descriptionStatus().path("reason").asText();
    assertTrue(reason.contains("chart \"nope\" not found in " + repoUrl), reason);
    assertTrue(reason.startsWith("HelmChart default/nope: "), reason);
    assertEquals("failed", missing.releaseStatuses().get(0).path("phase").asText());
    assertTrue(missing.releaseStatuses().get(0).path("notes").asText().contains("not found"));

    HelmDeployer.Result noVersion = deployer.apply(description("missing-helm",
        helmChart("demo9", repoUrl, "demo", "9.9.9", "team-c"), null));
    assertEquals("Failure", noVersion.descriptionStatus().path("phase").asText());
    assertTrue(noVersion.descriptionStatus().path("reason").asText()
        .contains("chart \"demo\" version \"9.9.9\" not found"), noVersion.toString());

    HelmDeployer.Result noRepo = deployer.apply(description("missing-helm",
        helmChart("gone", repoUrl + "/no-such-repo", "demo", "", "team-c"),
        null));
    assertEquals("Failure", noRepo.descriptionStatus().path("phase").asText());
    assertTrue(noRepo.descriptionStatus().path("reason").asText().contains("404"), noRepo.toString());
  }

  @Test
  void aChartTheClusterCannotTakeFailsWithHelmsReason() {
    HelmDeployer deployer = new HelmDeployer(kubeconfig, temp.resolve("work-4"));
    ObjectNode chart = helmChart("broken", repoUrl, "broken", "1.0.0", "team-d");
    HelmDeployer.Result failed = deployer.apply(description("broken-helm", chart, null));
    assertEquals("Failure", failed.descriptionStatus().path("phase").asText(), failed.toString());
    assertEquals("failed", failed.releaseStatuses().get(0).path("phase").asText());
    assertTrue(failed.descriptionStatus().path("reason").asText().contains("Widget"), failed.toString());
  }

  @Test
  void aReleaseThatTimesOutFailsIsRetriedAndAtomicRollsItBack() throws Exception {
    HelmDeployer deployer = new HelmDeployer(kubeconfig, temp.resolve("work-7"));
    // the sandbox runs no controllers: the Deployment never becomes ready and the wait times out
    ObjectNode chart = helmChart("slow", repoUrl, "slow", "1.0.0", "team-g");
    chart.with("spec").put("wait", true).put("timeoutSeconds", 1);
    HelmDeployer.Result failed = deployer.apply(description("slow-helm", chart, null));
    assertEquals("Failure", failed.descriptionStatus().path("phase").asText(), failed.toString());
    assertEquals("failed", failed.releaseStatuses().get(0).path("phase").asText());
    assertEquals(1, failed.releaseStatuses().get(0).path("version").asInt(), failed.toString());

    // not atomic: the failed revision stays, and the next apply tries again (an upgrade, revision 2)
    HelmDeployer.Result retried = deployer.apply(description("slow-helm", chart, null));
    assertEquals("failed", retried.releaseStatuses().get(0).path("phase").asText());
    assertEquals(2, retried.releaseStatuses().get(0).path("version").asInt(), retried.toString());

    // atomic: the failed release is uninstalled first (Clusternet), then the new install is rolled back
    chart.with("spec").put("atomic", true);
    HelmDeployer.Result atomic = deployer.apply(description("slow-helm", chart, null));
    assertEquals("Failure", atomic.descriptionStatus().path("phase").asText(), atomic.toString());
    Poll.until(Duration.ofSeconds(10), () -> {
      assertTrue(releaseSecrets("team-g", "slow").isEmpty(), "atomic: the failed install is rolled back");
      assertFalse(exists("/apis/apps/v1/namespaces/team-g/deployments/slow-web"));
    });
  }

  @Test
  void historyIsCappedAtFiveRevisions() throws Exception {
    HelmDeployer deployer = new HelmDeployer(kubeconfig, temp.resolve("work-5"));
    ObjectNode chart = helmChart("busy", repoUrl, "demo", "0.1.0", "team-e");
    int last = 0;
    for (int i = 1; i <= 7; i++) {
      last = deployer.apply(description("busy-helm", chart, Map.of("greeting", "v" + i)))
          .releaseStatuses().get(0).path("version").asInt();
    }
    assertEquals(7, last);
    List<String> secrets = releaseSecrets("team-e", "busy");
    assertEquals(HelmDeployer.MAX_HISTORY, secrets.size(), secrets.toString());
    assertFalse(secrets.contains("sh.helm.release.v1.busy.v2"), secrets.toString());
    assertTrue(secrets.contains("sh.helm.release.v1.busy.v7"), secrets.toString());
    deployer.remove(description("busy-helm", chart, null));
  }

  @Test
  void severalChartsAndUnequalLengths() throws Exception {
    HelmDeployer deployer = new HelmDeployer(kubeconfig, temp.resolve("work-6"));
    ObjectNode good = helmChart("one", repoUrl, "demo", "0.1.0", "team-f");
    ObjectNode bad = helmChart("two", repoUrl, "nope", "", "team-f");
    ObjectNode desc = description("multi-helm", good, Map.of("greeting", "a"));
    ((com.fasterxml.jackson.databind.node.ArrayNode) desc.with("spec").withArray("charts"))
        .addObject().put("namespace", "default").put("name", "two");
    desc.with("spec").withArray("chartRaw").add(base64(bad));
    desc.with("spec").withArray("raw").add("");
    HelmDeployer.Result result = deployer.apply(desc);
    assertEquals("Failure", result.descriptionStatus().path("phase").asText());
    assertEquals("deployed", result.releaseStatuses().get(0).path("phase").asText());
    assertEquals("failed", result.releaseStatuses().get(1).path("phase").asText());
    assertTrue(result.descriptionStatus().path("reason").asText().startsWith("HelmChart default/two: "),
        result.toString());
    deployer.remove(description("multi-helm", good, null));

    desc.with("spec").withArray("raw").remove(1);
    HelmDeployer.Result unequal = deployer.apply(desc);
    assertEquals("Failure", unequal.descriptionStatus().path("phase").asText());
    assertTrue(unequal.descriptionStatus().path("reason").asText().contains("unequal lengths"));
    assertTrue(unequal.releaseStatuses().isEmpty());
  }

  @Test
  void helmReleaseNamesFollowClusternet() {
    assertEquals("app-helm-default-web", HelmDeployer.helmReleaseName("app-helm", "default", "web"));
  }

  // --- helpers ---------------------------------------------------------------------------------------------

  static ObjectNode helmChart(String name, String repository, String chart, String version, String namespace) {
    ObjectNode helmChart = JsonNodeFactory.instance.objectNode();
    helmChart.put("apiVersion", "apps.clusternet.io/v1alpha1").put("kind", "HelmChart");
    helmChart.putObject("metadata").put("name", name).put("namespace", "default");
    ObjectNode spec = helmChart.putObject("spec");
    spec.put("repo", repository).put("chart", chart).put("targetNamespace", namespace);
    if (!version.isEmpty()) {
      spec.put("version", version);
    }
    return helmChart;
  }

  /** A Description as the hub writes it: chartRaw and raw as base64 JSON (Go's []byte). */
  static ObjectNode description(String name, ObjectNode helmChart, Map<String, Object> values) {
    ObjectNode desc = JsonNodeFactory.instance.objectNode();
    desc.put("apiVersion", "apps.clusternet.io/v1alpha1").put("kind", "Description");
    desc.putObject("metadata").put("name", name).put("namespace", "clusternet-abcde").put("uid", "uid-" + name)
        .put("generation", 1);
    ObjectNode spec = desc.putObject("spec");
    spec.put("deployer", "Helm");
    spec.putArray("charts").addObject().put("namespace", helmChart.path("metadata").path("namespace").asText())
        .put("name", helmChart.path("metadata").path("name").asText());
    spec.putArray("chartRaw").add(base64(helmChart));
    spec.putArray("raw").add(values == null ? "" : base64(JSON.valueToTree(values)));
    return desc;
  }

  static String base64(JsonNode node) {
    try {
      return Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(node));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<ReleaseHistory> history(String release, String namespace) {
    return Helm.history(release).withNamespace(namespace).withKubeConfig(kubeconfig).call();
  }

  static List<String> releaseSecrets(String namespace, String release) throws Exception {
    JsonNode list = get("/api/v1/namespaces/" + namespace + "/secrets?labelSelector=owner%3Dhelm,name%3D" + release);
    List<String> names = new ArrayList<>();
    list.path("items").forEach(item -> names.add(item.path("metadata").path("name").asText()));
    return names;
  }

  static JsonNode get(String path) throws Exception {
    HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(URI.create(sandbox.url() + path)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      JsonNode node = JSON.readTree(body);
      assertEquals(200, response.statusCode(), path + ": " + node);
      return node;
    }
  }

  static boolean exists(String path) throws Exception {
    HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(sandbox.url() + path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200 && response.statusCode() != 404) {
      throw new AssertionError(path + ": " + response.statusCode() + " "
          + new String(response.body(), StandardCharsets.UTF_8));
    }
    return response.statusCode() == 200;
  }
}
