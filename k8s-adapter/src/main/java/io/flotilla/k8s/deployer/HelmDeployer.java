package io.flotilla.k8s.deployer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.Release;
import com.marcnuri.helm.ReleaseHistory;
import com.marcnuri.helm.UpgradeCommand;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clusternet's Helm deployer on the agent side: turns a Helm Description (apps.clusternet.io/v1alpha1,
 * {@code spec.deployer: Helm}) into real Helm releases in the child cluster, through Helm's own Go library
 * (helm-java).
 *
 * <p>Per chart {@code i}: {@code spec.chartRaw[i]} is the HelmChart after overrides (base64 JSON, or the object
 * itself), {@code spec.raw[i]} the chart's Helm values (base64 JSON, "" for none) and {@code spec.charts[i]}
 * the HelmChart's namespace/name. The release is named after the HelmChart ({@code metadata.name}, as
 * Clusternet's {@code spec.releaseName} default) and lives in {@code spec.targetNamespace}. Charts come from a
 * classic repository ({@code http(s)://}: index.yaml looked up here, the archive cached under
 * {@code workDir/charts}) or an OCI registry ({@code oci://}: Helm pulls it). A release that does not exist is
 * installed, else upgraded with exactly the given values ({@code --reset-values}); an atomic chart whose last
 * revision is not deployed is uninstalled first, as Clusternet does. Revisions beyond the newest 5 are pruned
 * (Clusternet's history cap).
 *
 * <p>Unchanged chart and values make no new revision: every revision this deployer writes carries, in Helm's
 * release description, a fingerprint of what it deployed (chart archive digest, or OCI reference and resolved
 * version; canonical values; namespace; skipCRDs), and a release whose last revision is deployed with the same
 * fingerprint is left alone. A release changed by hand (other description) or failed is upgraded again.
 *
 * <p>Calls for the same Description must not overlap; different Descriptions may run concurrently.
 */
public final class HelmDeployer {

  private static final Logger log = LoggerFactory.getLogger(HelmDeployer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper CANONICAL = new ObjectMapper()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Revisions kept per release (Clusternet's {@code cfg.Releases.MaxHistory}). */
  static final int MAX_HISTORY = 5;
  static final int DEFAULT_TIMEOUT_SECONDS = 300;
  private static final String FINGERPRINT = "flotilla-fingerprint=";

  private final Path kubeconfig;
  private final Path workDir;
  private final HelmChartRepository repository;
  private volatile CoreV1Api core;

  /** {@code kubeconfig}: the child cluster's; {@code workDir}: where chart archives and values files go. */
  public HelmDeployer(Path kubeconfig, Path workDir) {
    this.kubeconfig = kubeconfig.toAbsolutePath();
    this.workDir = workDir.toAbsolutePath();
    this.repository = new HelmChartRepository(this.workDir.resolve("charts"));
  }

  /**
   * What {@link #apply} found: the Description status to report ({@code phase} Success | Failure | Installing |
   * Upgrading | Uninstalling | Superseded | Unknown, {@code reason}) and, in {@code spec.charts} order, each
   * chart's HelmRelease status ({@code phase} as Helm says it: deployed, failed, pending-install...;
   * {@code version}, the release revision; {@code notes}, the chart's NOTES or the error; {@code lastDeployed}).
   */
  public record Result(ObjectNode descriptionStatus, List<ObjectNode> releaseStatuses) {
  }

  /** Clusternet's HelmRelease object name for a Description's chart: {@code {descName}-{chartNs}-{chartName}}. */
  public static String helmReleaseName(String descriptionName, String chartNamespace, String chartName) {
    return descriptionName + "-" + chartNamespace + "-" + chartName;
  }

  /** Installs or upgrades each chart's release (see the class comment) and answers the statuses to report. */
  public Result apply(ObjectNode description) {
    String descKey = key(description);
    JsonNode spec = description.path("spec");
    JsonNode charts = spec.path("charts");
    JsonNode chartRaw = spec.path("chartRaw");
    JsonNode raw = spec.path("raw");
    int count = charts.size();
    if (chartRaw.size() != count || raw.size() != count) {
      return new Result(descriptionStatus("Failure", "unequal lengths of (Spec.Raw|Spec.ChartRaw) and Spec.Charts"
          + " in Description " + descKey), List.of());
    }
    List<ObjectNode> statuses = new ArrayList<>();
    String phase = "Success";
    List<String> reasons = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String chartKey = charts.get(i).path("namespace").asText() + "/" + charts.get(i).path("name").asText();
      ObjectNode status = applyChart(descKey, charts.get(i), chartRaw.get(i), raw.get(i));
      statuses.add(status);
      String chartPhase = descriptionPhase(status.path("phase").asText());
      if (chartPhase.equals("Failure")) {
        reasons.add("HelmChart " + chartKey + ": " + status.path("notes").asText());
      }
      phase = worse(phase, chartPhase);
    }
    return new Result(descriptionStatus(phase, String.join("; ", reasons)), statuses);
  }

  /** Uninstalls the Description's releases; a release already gone is fine. Throws after trying them all. */
  public void remove(ObjectNode description) {
    JsonNode spec = description.path("spec");
    JsonNode charts = spec.path("charts");
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < charts.size(); i++) {
      try {
        ChartSpec chart = ChartSpec.parse(charts.get(i), spec.path("chartRaw").get(i));
        String out = Helm.uninstall(chart.releaseName()).withNamespace(chart.namespace())
            .withKubeConfig(kubeconfig).ignoreNotFound().call();
        log.info("Description {}: {}", key(description), out.strip());
      } catch (RuntimeException | IOException e) {
        errors.add(charts.get(i).path("namespace").asText() + "/" + charts.get(i).path("name").asText() + ": "
            + message(e));
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalStateException("cannot uninstall the releases of Description " + key(description) + ": "
          + String.join("; ", errors));
    }
  }

  private ObjectNode applyChart(String descKey, JsonNode chartRef, JsonNode chartRaw, JsonNode valuesRaw) {
    ChartSpec chart;
    JsonNode values;
    try {
      chart = ChartSpec.parse(chartRef, chartRaw);
      values = decode(valuesRaw);
    } catch (IOException | RuntimeException e) {
      return releaseStatus("failed", 0, "invalid HelmChart or values: " + message(e), null);
    }
    Located located;
    try {
      located = locate(chart);
    } catch (HelmChartRepository.ChartNotFoundException e) {
      return releaseStatus("failed", 0, e.getMessage(), null);
    } catch (IOException | RuntimeException e) {
      return releaseStatus("failed", 0, "cannot locate chart: " + message(e), null);
    }
    String fingerprint = fingerprint(chart, located, values);
    String releaseDescription = "Flotilla Description " + descKey + " " + FINGERPRINT + fingerprint;
    Optional<ReleaseHistory> last;
    try {
      last = lastRevision(chart);
      if (last.isPresent() && chart.atomic() && !last.get().getStatus().equals("deployed")) {
        // a failed atomic install or upgrade: start over, as Clusternet does
        log.info("Description {}: uninstalling release {}/{} (revision {} is {}) before installing it again",
            descKey, chart.namespace(), chart.releaseName(), last.get().getRevision(), last.get().getStatus());
        Helm.uninstall(chart.releaseName()).withNamespace(chart.namespace()).withKubeConfig(kubeconfig)
            .ignoreNotFound().call();
        last = Optional.empty();
      }
      if (last.isPresent() && last.get().getStatus().equals("deployed")
          && String.valueOf(last.get().getDescription()).endsWith(FINGERPRINT + fingerprint)) {
        Release current = Helm.status(chart.releaseName()).withNamespace(chart.namespace())
            .withKubeConfig(kubeconfig).call();
        return releaseStatus(current);
      }
    } catch (RuntimeException e) {
      return releaseStatus("failed", 0, "cannot read release " + chart.namespace() + "/" + chart.releaseName()
          + ": " + message(e), null);
    }
    Path valuesFile = null;
    try {
      valuesFile = writeValues(values);
      Release release = last.isEmpty()
          ? install(chart, located, valuesFile, releaseDescription)
          : upgrade(chart, located, valuesFile, releaseDescription);
      log.info("Description {}: release {}/{} {} revision {} ({})", descKey, chart.namespace(),
          chart.releaseName(), last.isEmpty() ? "installed" : "upgraded to", release.getRevision(),
          release.getStatus());
      pruneHistory(chart);
      return releaseStatus(release);
    } catch (IOException | RuntimeException e) {
      log.warn("Description {}: release {}/{} failed: {}", descKey, chart.namespace(), chart.releaseName(),
          message(e));
      int revision = 0;
      try {
        revision = lastRevision(chart).map(ReleaseHistory::getRevision).orElse(0);
      } catch (RuntimeException ignored) {
        // the failure is what is reported
      }
      return releaseStatus("failed", revision, message(e), null);
    } finally {
      if (valuesFile != null) {
        try {
          Files.deleteIfExists(valuesFile);
        } catch (IOException ignored) {
          // a stray values file in workDir
        }
      }
    }
  }

  private Release install(ChartSpec chart, Located located, Path valuesFile, String releaseDescription) {
    InstallCommand install = located.archive() != null ? new Helm(located.archive()).install()
        : Helm.install(located.reference()).withVersion(located.version());
    install.withName(chart.releaseName()).withNamespace(chart.namespace()).withKubeConfig(kubeconfig)
        .withTimeout(chart.timeoutSeconds()).withDescription(releaseDescription);
    if (valuesFile != null) {
      install.withValuesFile(valuesFile);
    }
    if (chart.createNamespace()) {
      install.createNamespace();
    }
    if (chart.waitReady()) {
      install.waitReady();
    }
    if (chart.atomic()) {
      install.atomic();
    }
    if (chart.skipCRDs()) {
      install.skipCrds();
    }
    if (chart.plainHttp()) {
      install.plainHttp();
    }
    return install.call();
  }

  private Release upgrade(ChartSpec chart, Located located, Path valuesFile, String releaseDescription) {
    UpgradeCommand upgrade = located.archive() != null ? new Helm(located.archive()).upgrade()
        : Helm.upgrade(located.reference()).withVersion(located.version());
    // exactly the Description's values: without --reset-values Helm reuses the old ones when none are given
    upgrade.withName(chart.releaseName()).withNamespace(chart.namespace()).withKubeConfig(kubeconfig)
        .withTimeout(chart.timeoutSeconds()).withDescription(releaseDescription).resetValues();
    if (valuesFile != null) {
      upgrade.withValuesFile(valuesFile);
    }
    if (chart.createNamespace()) {
      upgrade.createNamespace();
    }
    if (chart.waitReady()) {
      upgrade.waitReady();
    }
    if (chart.upgradeAtomic()) {
      upgrade.atomic();
    }
    if (chart.force()) {
      upgrade.force();
    }
    if (chart.skipCRDs()) {
      upgrade.skipCrds();
    }
    if (chart.plainHttp()) {
      upgrade.plainHttp();
    }
    return upgrade.call();
  }

  /** The chart to deploy: a local archive (classic repository) or an OCI reference with its resolved version. */
  private record Located(Path archive, String reference, String version, String identity) {
  }

  private Located locate(ChartSpec chart) throws IOException, HelmChartRepository.ChartNotFoundException {
    String repo = chart.repo();
    String scheme = repo.contains("://") ? repo.substring(0, repo.indexOf("://")).toLowerCase(Locale.ROOT) : "";
    switch (scheme) {
      case "http", "https" -> {
        HelmChartRepository.LocalChart local = repository.fetch(repo, chart.chart(), chart.version());
        return new Located(local.archive(), null, local.version(), "sha256:" + local.sha256());
      }
      case "oci" -> {
        String reference = (repo.endsWith("/") ? repo : repo + "/") + chart.chart();
        // Helm resolves the version (newest tag for none or a range); Chart.yaml says which it took
        var show = Helm.show(reference).chart();
        if (!chart.version().isBlank()) {
          show.withVersion(chart.version());
        }
        if (chart.plainHttp()) {
          show.plainHttp();
        }
        String chartYaml;
        try {
          chartYaml = show.call();
        } catch (IllegalStateException e) {
          throw new HelmChartRepository.ChartNotFoundException("chart \"" + chart.chart() + "\""
              + (chart.version().isBlank() ? "" : " version \"" + chart.version() + "\"") + " not found in "
              + repo + ": " + message(e));
        }
        String version = YAML.readTree(chartYaml).path("version").asText();
        return new Located(null, reference, version, reference + ":" + version);
      }
      default -> throw new IOException("unsupported chart repository \"" + repo
          + "\": expected an http://, https:// or oci:// URL");
    }
  }

  private Optional<ReleaseHistory> lastRevision(ChartSpec chart) {
    List<ReleaseHistory> history;
    try {
      history = Helm.history(chart.releaseName()).withNamespace(chart.namespace()).withKubeConfig(kubeconfig)
          .withMax(MAX_HISTORY).call();
    } catch (IllegalStateException e) {
      if (String.valueOf(e.getMessage()).contains("not found")) {
        return Optional.empty();
      }
      throw e;
    }
    return history.stream().max(Comparator.comparingInt(ReleaseHistory::getRevision));
  }

  /** Deletes the release's storage Secrets past the newest {@link #MAX_HISTORY} revisions. */
  private void pruneHistory(ChartSpec chart) {
    try {
      List<V1Secret> secrets = core().listNamespacedSecret(chart.namespace())
          .labelSelector("owner=helm,name=" + chart.releaseName()).execute().getItems();
      List<V1Secret> ordered = new ArrayList<>(secrets);
      ordered.sort(Comparator.comparingInt(HelmDeployer::revisionOf).reversed());
      for (V1Secret old : ordered.subList(Math.min(MAX_HISTORY, ordered.size()), ordered.size())) {
        core().deleteNamespacedSecret(old.getMetadata().getName(), chart.namespace()).execute();
      }
    } catch (ApiException | IOException | RuntimeException e) {
      log.warn("cannot prune the history of release {}/{}: {}", chart.namespace(), chart.releaseName(),
          message(e));
    }
  }

  private static int revisionOf(V1Secret secret) {
    try {
      return Integer.parseInt(secret.getMetadata().getLabels().getOrDefault("version", "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private CoreV1Api core() throws IOException {
    CoreV1Api api = core;
    if (api == null) {
      try (Reader reader = Files.newBufferedReader(kubeconfig)) {
        ApiClient client = ClientBuilder.kubeconfig(KubeConfig.loadKubeConfig(reader)).build();
        api = new CoreV1Api(client);
      }
      core = api;
    }
    return api;
  }

  private Path writeValues(JsonNode values) throws IOException {
    if (values == null) {
      return null;
    }
    Path dir = Files.createDirectories(workDir.resolve("values"));
    Path file = Files.createTempFile(dir, "values-", ".json");
    // JSON is YAML: Helm reads the file as it is
    return Files.write(file, JSON.writeValueAsBytes(values));
  }

  private static String fingerprint(ChartSpec chart, Located located, JsonNode values) {
    try {
      Object plain = values == null ? null : CANONICAL.treeToValue(values, Object.class);
      String text = String.join("\n", located.identity(), chart.namespace(), "skipCRDs=" + chart.skipCRDs(),
          CANONICAL.writeValueAsString(plain));
      return HelmChartRepository.sha256(text.getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** spec.raw[i] or spec.chartRaw[i]: base64 of JSON as Go's []byte marshals, or the JSON itself; null if none. */
  static JsonNode decode(JsonNode raw) throws IOException {
    if (raw == null || raw.isNull() || raw.isMissingNode()) {
      return null;
    }
    if (raw.isObject()) {
      return raw.isEmpty() ? null : raw;
    }
    String text = raw.asText().strip();
    if (text.isEmpty()) {
      return null;
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      bytes = text.getBytes(StandardCharsets.UTF_8);
    }
    if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
      return null;
    }
    JsonNode node = JSON.readTree(bytes);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw new IOException("expected a JSON object, got " + node.getNodeType());
    }
    return node.isEmpty() ? null : node;
  }

  /** The HelmChart's options, Clusternet's defaults filled in. */
  record ChartSpec(String releaseName, String repo, String chart, String version, String namespace,
                   boolean createNamespace, int timeoutSeconds, boolean waitReady, boolean atomic,
                   boolean upgradeAtomic, boolean skipCRDs, boolean force, boolean plainHttp) {

    static ChartSpec parse(JsonNode chartRef, JsonNode chartRaw) throws IOException {
      JsonNode chart = decode(chartRaw);
      if (chart == null) {
        throw new IOException("spec.chartRaw is empty");
      }
      JsonNode spec = chart.path("spec");
      String name = chart.path("metadata").path("name").asText(chartRef.path("name").asText());
      String repo = spec.path("repo").asText("").strip();
      String chartName = spec.path("chart").asText("").strip();
      if (name.isEmpty() || repo.isEmpty() || chartName.isEmpty()) {
        throw new IOException("the HelmChart needs metadata.name, spec.repo and spec.chart");
      }
      for (String unsupported : List.of("chartPullSecret", "waitForJob", "replace", "replaceCRDs",
          "disableHooks")) {
        JsonNode value = spec.path(unsupported);
        if (value.isBoolean() && value.asBoolean() || value.isObject() && !value.path("name").asText().isEmpty()) {
          log.warn("HelmChart {}: spec.{} is not supported by this agent and is ignored", name, unsupported);
        }
      }
      int timeout = spec.path("timeoutSeconds").asInt(0);
      String namespace = spec.path("targetNamespace").asText("").strip();
      return new ChartSpec(name, repo, chartName, spec.path("version").asText("").strip(),
          namespace.isEmpty() ? "default" : namespace,
          spec.path("createNamespace").asBoolean(true),
          timeout > 0 ? timeout : DEFAULT_TIMEOUT_SECONDS,
          spec.path("wait").asBoolean(false),
          spec.path("atomic").asBoolean(false),
          spec.path("upgradeAtomic").asBoolean(false),
          spec.path("skipCRDs").asBoolean(false),
          spec.path("force").asBoolean(false),
          spec.path("plainHTTP").asBoolean(false));
    }
  }

  private static ObjectNode releaseStatus(Release release) {
    int revision;
    try {
      revision = Integer.parseInt(release.getRevision());
    } catch (NumberFormatException e) {
      revision = 0;
    }
    String deployed = release.getLastDeployed() == null ? null
        : DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(release.getLastDeployed());
    return releaseStatus(release.getStatus(), revision, notes(release.getOutput()), deployed);
  }

  private static ObjectNode releaseStatus(String phase, int revision, String notes, String lastDeployed) {
    ObjectNode status = NODES.objectNode();
    status.put("phase", phase);
    if (revision > 0) {
      status.put("version", revision);
    }
    if (notes != null && !notes.isEmpty()) {
      status.put("notes", notes);
    }
    if (lastDeployed != null) {
      status.put("lastDeployed", lastDeployed);
    }
    return status;
  }

  /** The NOTES section of Helm's install/upgrade/status output (without the OCI pull report helm-java appends). */
  static String notes(String output) {
    if (output == null) {
      return "";
    }
    int at = output.indexOf("NOTES:\n");
    if (at < 0) {
      return "";
    }
    String notes = output.substring(at + "NOTES:\n".length());
    int pulled = notes.lastIndexOf("\n---\nPulled: ");
    return (pulled < 0 ? notes : notes.substring(0, pulled)).strip();
  }

  private static ObjectNode descriptionStatus(String phase, String reason) {
    ObjectNode status = NODES.objectNode();
    status.put("phase", phase);
    if (reason != null && !reason.isEmpty()) {
      status.put("reason", reason);
    }
    return status;
  }

  /** Clusternet's mapping from a release's status to its Description's phase. */
  static String descriptionPhase(String releasePhase) {
    return switch (releasePhase) {
      case "deployed" -> "Success";
      case "pending-install" -> "Installing";
      case "pending-upgrade", "pending-rollback" -> "Upgrading";
      case "uninstalling" -> "Uninstalling";
      case "superseded" -> "Superseded";
      case "failed" -> "Failure";
      default -> "Unknown";
    };
  }

  /** Failure outranks every other phase, which outranks Success. */
  private static String worse(String a, String b) {
    if (a.equals("Failure") || b.equals("Failure")) {
      return "Failure";
    }
    return a.equals("Success") ? b : a;
  }

  private static String key(ObjectNode description) {
    JsonNode metadata = description.path("metadata");
    return metadata.path("namespace").asText() + "/" + metadata.path("name").asText();
  }

  private static String message(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message.strip();
  }
}
