package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.Kubectl;
import io.flotilla.hub.TestHubs;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's story end to end in Pull mode: examples/app-demo (feeds and a Subscription) applied
 * with kubectl on a real hub, a real agent with its deployers against a sandbox child; the Namespace, Deployment and Service
 * appear in the child, the Description reports Success on the hub (also as `kubectl get desc -A`
 * shows it), Recovery undoes a deletion in the child, a feed edit reaches the child, and deleting
 * the Subscription removes it all; an agent killed mid-apply converges after its restart.
 */
class AppDeliveryEndToEndTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final Duration WITHIN = Duration.ofSeconds(60);
  static final String APPS = "/apis/apps.clusternet.io/v1alpha1";
  /** The README's examples (tests run in the module's folder). */
  static final Path EXAMPLES = Path.of("..", "examples", "app-demo").toAbsolutePath().normalize();

  @TempDir
  static Path home;

  @Test
  void aSubscriptionIsDeployedIntoThePullingClusterAndReportsSuccess() throws Exception {
    try (TestHubs.Running running = TestHubs.start(cassandra, home);
        SandboxApiServer child = SandboxApiServer.startSeeded(0, 1)) {
      HubClient hub = running.client();
      String admin = running.home().adminToken();
      Path kubeconfig = child.writeKubeconfig(home.resolve("child.kubeconfig"));
      ApiClient childClient = ChildClients.fromKubeconfig(kubeconfig);
      AgentOptions options = agentOptions(running, kubeconfig, "--feature-gates", "Recovery=true");
      try (Agent agent = new Agent(options, childClient, FAST,
          withReportingHelm(Deployers.forChild(childClient, kubeconfig, Files.createTempDirectory(home, "agent"))))) {
        agent.start();
        Poll.until(WITHIN, () -> assertTrue(agent.credential().isPresent(), "registered"));
        String namespace = agent.credential().orElseThrow().namespace();

        // the README's walk-through: Clusternet's example shapes, applied with kubectl
        Kubectl kubectl = Kubectl.require("PATH");
        Kubectl.Result applied = kubectl.run(running.home().kubeconfig(), "apply", "-f", EXAMPLES.toString());
        assertEquals(0, applied.exitCode(), applied.err());

        AppsV1Api apps = new AppsV1Api(childClient);
        Poll.until(WITHIN, () -> assertEquals(2, apps.readNamespacedDeployment("my-nginx", "foo").execute()
            .getSpec().getReplicas()));
        assertEquals(80, new CoreV1Api(childClient).readNamespacedService("my-nginx-svc", "foo").execute()
            .getSpec().getPorts().get(0).getPort());
        assertEquals(namespace + ".app-demo-generic", apps.readNamespacedDeployment("my-nginx", "foo").execute()
            .getMetadata().getAnnotations().get("apps.clusternet.io/owned-by-description"));
        String descPath = APPS + "/namespaces/" + namespace + "/descriptions/app-demo-generic";
        Poll.until(WITHIN, () -> assertEquals("Success", hub.get(descPath, admin).json().at("/status/phase").asText()));
        JsonNode description = hub.get(descPath, admin).json();
        assertEquals(description.at("/metadata/generation").asLong(), description.at("/status/observedGeneration").asLong());
        assertEquals(3, description.at("/status/manifestStatuses").size(), description.toString());

        Poll.until(WITHIN, () -> { // lists follow writes by about a second
          Kubectl.Result listed = kubectl.run(running.home().kubeconfig(), "get", "desc", "-A");
          assertEquals(0, listed.exitCode(), listed.err());
          assertTrue(listed.out().lines().anyMatch(line -> line.contains(namespace) && line.contains("app-demo-generic")
              && line.contains("Generic") && line.contains("Success")), listed.out());
        });

        // the hub's metrics saw the Description turn Success, and the object journal's writes
        String metrics = hub.get("/metrics", admin).body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("flotilla_description_phase_changes_total{phase=\"Success\"} ")),
            metrics);
        assertTrue(metrics.lines().anyMatch(l -> l.matches(
            "flotilla_journal_write_seconds_count\\{entity=\"object\"\\} [1-9][0-9]*")), metrics);

        // Recovery: a Deployment deleted in the child behind the agent's back comes back at the next resync,
        // and one edited there is put back
        apps.deleteNamespacedDeployment("my-nginx", "foo").execute();
        Poll.until(WITHIN, () -> assertEquals(2, apps.readNamespacedDeployment("my-nginx", "foo").execute()
            .getSpec().getReplicas()));
        var edited = apps.readNamespacedDeployment("my-nginx", "foo").execute();
        edited.getSpec().setReplicas(7);
        apps.replaceNamespacedDeployment("my-nginx", "foo", edited).execute();
        assertEquals(7, apps.readNamespacedDeployment("my-nginx", "foo").execute().getSpec().getReplicas());
        Poll.until(WITHIN, () -> assertEquals(2, apps.readNamespacedDeployment("my-nginx", "foo").execute()
            .getSpec().getReplicas()));

        // the agents' reports aggregated into the Subscription's status, as Clusternet's
        Poll.until(WITHIN, () -> {
          JsonNode status = hub.get(APPS + "/namespaces/default/subscriptions/app-demo", admin).json().path("status");
          assertEquals(1, status.path("completedReleases").asInt(), status.toString());
          assertEquals(3, status.path("aggregatedStatuses").size(), status.toString());
          assertTrue(status.at("/aggregatedStatuses/1/feedStatusSummary/available").asBoolean(), status.toString());
          assertEquals(agent.credential().orElseThrow().clusterName(),
              status.at("/aggregatedStatuses/1/feedStatusDetails/0/clusterName").asText());
        });

        // a feed edit on the hub reaches the child; the hub's copy says Pending until the agent reports again
        assertEquals(200, hub.mergePatch("/apis/apps/v1/namespaces/foo/deployments/my-nginx", admin,
            Map.of("spec", Map.of("replicas", 4))).code());
        Poll.until(WITHIN, () -> assertEquals(4, apps.readNamespacedDeployment("my-nginx", "foo").execute()
            .getSpec().getReplicas()));
        Poll.until(WITHIN, () -> {
          JsonNode current = hub.get(descPath, admin).json();
          assertEquals("Success", current.at("/status/phase").asText());
          assertEquals(current.at("/metadata/generation").asLong(), current.at("/status/observedGeneration").asLong());
        });

        // the Description's history, from its journal: rendered Pending, deployed, re-rendered, deployed again
        HubClient.Reply history = hub.get(descPath + "/history", admin);
        assertEquals(200, history.code(), history.body());
        List<String> types = new java.util.ArrayList<>();
        history.json().path("items").forEach(entry -> types.add(entry.path("type").asText()));
        assertEquals("Created", types.get(0), history.body());
        assertTrue(types.contains("SpecChanged") && types.contains("PhaseChanged"), history.body());
        assertTrue(history.body().contains("\"to\":\"Success\""), history.body());
        assertEquals(405, hub.put(descPath + "/history", admin, description).code());
        // and the Description as it was when it was rendered: Pending, the first generation
        JsonNode rendered = hub.get(descPath + "?at=" + history.json().at("/items/0/time").asText(), admin).json();
        assertEquals("Pending", rendered.at("/status/phase").asText(), rendered.toString());
        assertEquals(1, rendered.at("/metadata/generation").asLong());
        assertEquals(404, hub.get(descPath + "?at=2020-01-01T00:00:00Z", admin).code());

        // a HelmChart Subscription: the hub renders a -helm Description and its HelmRelease, the agent's
        // report lands on both (Helm itself is HelmDeployerTest's: here a stand-in deployer answers)
        assertEquals(201, hub.post(APPS + "/namespaces/foo/helmcharts", admin, Map.of("apiVersion",
            "apps.clusternet.io/v1alpha1", "kind", "HelmChart", "metadata", Map.of("name", "mysql", "namespace", "foo"),
            "spec", Map.of("repo", "https://charts.example.com", "chart", "mysql", "version", "9.2.0",
                "targetNamespace", "db"))).code());
        assertEquals(201, hub.post(APPS + "/namespaces/default/subscriptions", admin, Map.of("apiVersion",
            "apps.clusternet.io/v1alpha1", "kind", "Subscription", "metadata", Map.of("name", "db"),
            "spec", Map.of("subscribers", List.of(Map.of("clusterAffinity", Map.of("matchLabels", Map.of("demo", "true")))),
                "feeds", List.of(Map.of("apiVersion", "apps.clusternet.io/v1alpha1", "kind", "HelmChart",
                    "namespace", "foo", "name", "mysql"))))).code());
        String releasePath = APPS + "/namespaces/" + namespace + "/helmreleases/db-helm-foo-mysql";
        Poll.until(WITHIN, () -> {
          JsonNode release = hub.get(releasePath, admin).json();
          assertEquals("deployed", release.at("/status/phase").asText(), release.toString());
          assertEquals(1, release.at("/status/version").asInt());
          assertEquals("mysql", release.at("/spec/releaseName").asText());
        });
        Poll.until(WITHIN, () -> assertEquals("Success",
            hub.get(APPS + "/namespaces/" + namespace + "/descriptions/db-helm", admin).json().at("/status/phase")
                .asText()));
        Poll.until(WITHIN, () -> {
          Kubectl.Result releases = kubectl.run(running.home().kubeconfig(), "get", "hr", "-A");
          assertTrue(releases.out().lines().anyMatch(line -> line.contains("db-helm-foo-mysql")
              && line.contains("9.2.0") && line.contains("deployed")), releases.out() + releases.err());
        });

        // deleting the Subscription deletes the Description, and the agent removes what it deployed
        Kubectl.Result deleted = kubectl.run(running.home().kubeconfig(), "delete", "-f",
            EXAMPLES.resolve("04-subscription.yaml").toString());
        assertEquals(0, deleted.exitCode(), deleted.err());
        Poll.until(WITHIN, () -> assertEquals(404, hub.get(descPath, admin).code()));
        Poll.until(WITHIN, () -> assertEquals(404, notFoundCode(() -> apps.readNamespacedDeployment("my-nginx", "foo")
            .execute())));
      }
    }
  }

  /**
   * An agent killed in the middle of an apply (the child holds part of the Description: its
   * Namespace) and started again: the new agent finds the Description not deployed, applies it
   * whole and reports Success.
   */
  @Test
  void anAgentKilledMidApplyConvergesAfterItsRestart() throws Exception {
    try (TestHubs.Running running = TestHubs.start(cassandra, home.resolve("mid-apply"));
        SandboxApiServer child = SandboxApiServer.startSeeded(0, 1)) {
      HubClient hub = running.client();
      Path kubeconfig = child.writeKubeconfig(home.resolve("mid-apply.kubeconfig"));
      ApiClient childClient = ChildClients.fromKubeconfig(kubeconfig);
      AgentOptions options = agentOptions(running, kubeconfig);
      Agent.Timing timing = FAST;
      java.util.concurrent.CountDownLatch applying = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
      Map<String, DescriptionSync.Deployer> stuck = Map.of("Generic", new DescriptionSync.Deployer(description -> {
        try { // part of the work done, then the agent dies before the rest
          new CoreV1Api(childClient).createNamespace(new io.kubernetes.client.openapi.models.V1Namespace()
              .metadata(new io.kubernetes.client.openapi.models.V1ObjectMeta().name("foo"))).execute();
          applying.countDown();
          never.await();
        } catch (ApiException | InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("killed mid-apply");
      }, description -> { }));
      String namespace;
      Agent first = new Agent(options, childClient, timing, stuck);
      try {
        first.start();
        Poll.until(WITHIN, () -> assertTrue(first.credential().isPresent(), "registered"));
        namespace = first.credential().orElseThrow().namespace();
        Kubectl.Result applied = Kubectl.require("PATH").run(running.home().kubeconfig(), "apply", "-f",
            EXAMPLES.toString());
        assertEquals(0, applied.exitCode(), applied.err());
        assertTrue(applying.await(WITHIN.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), "the apply started");
      } finally {
        first.close();
      }
      String descPath = APPS + "/namespaces/" + namespace + "/descriptions/app-demo-generic";
      assertEquals("Pending", hub.get(descPath, running.home().adminToken()).json().at("/status/phase").asText());

      try (Agent again = new Agent(options, childClient, timing,
          Deployers.forChild(childClient, kubeconfig, Files.createTempDirectory(home, "mid-apply")))) {
        again.start();
        AppsV1Api apps = new AppsV1Api(childClient);
        Poll.until(WITHIN, () -> assertEquals(2, apps.readNamespacedDeployment("my-nginx", "foo").execute()
            .getSpec().getReplicas()));
        Poll.until(WITHIN, () -> assertEquals(80, new CoreV1Api(childClient).readNamespacedService("my-nginx-svc", "foo")
            .execute().getSpec().getPorts().get(0).getPort()));
        Poll.until(WITHIN, () -> assertEquals("Success",
            hub.get(descPath, running.home().adminToken()).json().at("/status/phase").asText()));
        assertEquals(0, again.registrationPosts(), "the same cluster, with its stored credential");
      } finally {
        never.countDown();
      }
    }
  }

  /** Quick retries and a 2 s Description resync. */
  static final Agent.Timing FAST = new Agent.Timing(Duration.ofMillis(200), Duration.ofMillis(200),
      Duration.ofMillis(200), Duration.ofSeconds(2));

  /** An agent of the child at kubeconfig for this hub, labelled demo=true, reporting every second; more flags after. */
  static AgentOptions agentOptions(TestHubs.Running running, Path kubeconfig, String... more) throws Exception {
    Path caFile = Files.writeString(kubeconfig.resolveSibling(kubeconfig.getFileName() + ".hub-ca.crt"),
        running.home().caCertificatePem());
    List<String> args = new java.util.ArrayList<>(List.of("--cluster-reg-parent-url",
        "https://127.0.0.1:" + running.hub().port(), "--cluster-reg-token", running.home().bootstrapToken(),
        "--parent-ca-file", caFile.toString(), "--kubeconfig", kubeconfig.toString(), "--cluster-labels", "demo=true",
        "--cluster-status-update-frequency", "1s"));
    args.addAll(List.of(more));
    return AgentOptions.parse(args.toArray(String[]::new));
  }

  /** The agent's deployers with a stand-in for Helm that reports one deployed release per chart. */
  static Map<String, DescriptionSync.Deployer> withReportingHelm(Map<String, DescriptionSync.Deployer> deployers) {
    Map<String, DescriptionSync.Deployer> all = new java.util.HashMap<>(deployers);
    all.put("Helm", new DescriptionSync.Deployer(description -> {
      var status = io.flotilla.api.Json.MAPPER.createObjectNode().put("phase", "Success");
      var manifests = status.putArray("manifestStatuses");
      description.path("spec").path("charts").forEach(chart -> manifests.addObject()
          .put("apiVersion", "apps.clusternet.io/v1alpha1").put("kind", "HelmChart")
          .put("namespace", chart.path("namespace").asText()).put("name", chart.path("name").asText())
          .putObject("observedStatus").put("phase", "deployed").put("version", 1).put("notes", "hello"));
      return status;
    }, description -> { }));
    return all;
  }

  interface ChildRead {
    Object read() throws ApiException;
  }

  static int notFoundCode(ChildRead read) {
    try {
      read.read();
      return 200;
    } catch (ApiException e) {
      return e.getCode();
    }
  }
}
