package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.hub.HubClient;
import io.flotilla.hub.Kubectl;
import io.flotilla.hub.TestHubs;
import io.flotilla.k8s.deployer.ChartRepository;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clusternet's walkthrough, command by command, with the real kubectl and the `kubectl clusternet`
 * plugin against a hub: a bootstrap-token Secret applied with kubectl, an agent in Dual mode
 * registering with it, `get clsrr`, `get mcls -A -o wide`, `kubectl clusternet apply -f` of a
 * folder with a Namespace, a Deployment, a Service, a HelmChart (from a loopback chart repository)
 * and a Subscription, `get subs -A`, `get chart`, `get desc -A` (both Success), `describe desc`
 * (the SuccessfullyDeployed event), `get hr` (deployed), the objects in the child; then the token
 * Secret deleted: refused for new registrations, while the cluster that used it keeps working.
 */
class WalkthroughEndToEndTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final Duration WITHIN = Duration.ofSeconds(90);

  @TempDir
  static Path home;

  @Test
  void theClusternetWalkthroughWorksVerbatim() throws Exception {
    Path charts = Files.createDirectories(home.resolve("charts"));
    List<Path> archives = List.of(ChartRepository.packageDemo(home, "demo", "0.1.0", charts, Map.of()));
    try (TestHubs.Running running = TestHubs.start(cassandra, home);
        ChartRepository repo = ChartRepository.serve(charts, archives);
        SandboxApiServer child = SandboxApiServer.startSeeded(0, 2)) {
      Kubectl kubectl = Kubectl.require("PATH");
      Path hubConfig = running.home().kubeconfig();

      // the bootstrap token, Clusternet's manifests/samples/cluster_bootstrap_token.yaml
      Path token = Files.writeString(home.resolve("cluster_bootstrap_token.yaml"), """
          apiVersion: v1
          kind: Secret
          metadata:
            name: bootstrap-token-07401b
            namespace: kube-system
          type: bootstrap.kubernetes.io/token
          stringData:
            description: "The bootstrap token used by clusternet cluster registration."
            token-id: 07401b
            token-secret: f395accd246ae52d
            usage-bootstrap-authentication: "true"
            auth-extra-groups: system:bootstrappers:clusternet:register-cluster-token
          """);
      ok(kubectl.run(hubConfig, "apply", "-f", token.toString()));

      // an agent in Dual mode registers with it
      Path childConfig = child.writeKubeconfig(home.resolve("child.kubeconfig"));
      ApiClient childClient = ChildClients.fromKubeconfig(childConfig);
      Path caFile = Files.writeString(home.resolve("hub-ca.crt"), running.home().caCertificatePem());
      AgentOptions options = AgentOptions.parse("--cluster-reg-parent-url", "https://127.0.0.1:" + running.hub().port(),
          "--cluster-reg-token", "07401b.f395accd246ae52d", "--parent-ca-file", caFile.toString(),
          "--kubeconfig", childConfig.toString(), "--cluster-reg-name", "walkthrough", "--cluster-sync-mode", "Dual",
          "--cluster-labels", "walkthrough=true", "--cluster-status-update-frequency", "1s");
      try (Agent agent = new Agent(options, childClient, new Agent.Timing(Duration.ofMillis(200),
          Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofSeconds(2)),
          Deployers.forChild(childClient, childConfig, Files.createTempDirectory(home, "agent")))) {
        agent.start();
        Poll.until(WITHIN, () -> assertTrue(agent.credential().isPresent(), "registered"));
        String clusterId = agent.clusterId().orElseThrow();
        String namespace = agent.credential().orElseThrow().namespace();

        Poll.until(WITHIN, () -> assertTrue(line(kubectl.run(hubConfig, "get", "clsrr"), l -> l.startsWith(
            "clusternet-" + clusterId) && l.contains(clusterId) && l.contains("Approved"))));
        Poll.until(WITHIN, () -> assertTrue(line(kubectl.run(hubConfig, "get", "mcls", "-A", "-o", "wide"), l ->
            l.startsWith(namespace) && l.contains("walkthrough") && l.contains("EdgeCluster") && l.contains("Dual")
                && l.contains("true"))));

        // the walkthrough's folder: feeds and a Subscription, applied with the plugin
        Path folder = Files.createDirectories(home.resolve("walkthrough"));
        for (String file : List.of("01-namespace.yaml", "02-deployment.yaml", "03-service.yaml")) {
          Files.copy(AppDeliveryEndToEndTest.EXAMPLES.resolve(file), folder.resolve(file));
        }
        Files.writeString(folder.resolve("04-helm-chart.yaml"), """
            apiVersion: apps.clusternet.io/v1alpha1
            kind: HelmChart
            metadata:
              name: web
              namespace: default
            spec:
              repo: %s
              chart: demo
              version: 0.1.0
              targetNamespace: web
            """.formatted(repo.url()));
        Files.writeString(folder.resolve("05-subscription.yaml"), """
            apiVersion: apps.clusternet.io/v1alpha1
            kind: Subscription
            metadata:
              name: app-demo
              namespace: default
            spec:
              subscribers:
                - clusterAffinity:
                    matchLabels:
                      clusters.clusternet.io/cluster-id: %s
              feeds:
                - apiVersion: apps.clusternet.io/v1alpha1
                  kind: HelmChart
                  name: web
                  namespace: default
                - apiVersion: v1
                  kind: Namespace
                  name: foo
                - apiVersion: apps/v1
                  kind: Deployment
                  name: my-nginx
                  namespace: foo
                - apiVersion: v1
                  kind: Service
                  name: my-nginx-svc
                  namespace: foo
            """.formatted(clusterId));
        ok(kubectl.runPlugin(hubConfig, "clusternet", "apply", "-f", folder.toString()));

        // lists follow writes by about a second
        Poll.until(WITHIN, () -> assertTrue(line(kubectl.runPlugin(hubConfig, "clusternet", "get", "subs", "-A"),
            l -> l.startsWith("default") && l.contains("app-demo"))));
        Poll.until(WITHIN, () -> assertTrue(line(kubectl.runPlugin(hubConfig, "clusternet", "get", "chart"),
            l -> l.startsWith("web") && l.contains("demo") && l.contains("0.1.0") && l.contains(repo.url()))));
        for (String description : List.of("app-demo-generic", "app-demo-helm")) {
          Poll.until(WITHIN, () -> assertTrue(line(kubectl.runPlugin(hubConfig, "clusternet", "get", "desc", "-A"),
              l -> l.startsWith(namespace) && l.contains(description) && l.contains("Success"))));
        }
        Poll.until(WITHIN, () -> assertTrue(line(kubectl.run(hubConfig, "describe", "desc", "-n", namespace,
            "app-demo-generic"), l -> l.contains("SuccessfullyDeployed"))));
        Poll.until(WITHIN, () -> assertTrue(line(kubectl.run(hubConfig, "get", "hr", "-n", namespace),
            l -> l.startsWith("app-demo-helm-default-web") && l.contains("0.1.0") && l.contains("deployed"))));

        // in the child: the app, and the chart's release (deployed by the hub, through the tunnel: Dual)
        Poll.until(WITHIN, () -> assertEquals(2, new AppsV1Api(childClient).readNamespacedDeployment("my-nginx", "foo")
            .execute().getSpec().getReplicas()));
        assertEquals(80, new CoreV1Api(childClient).readNamespacedService("my-nginx-svc", "foo").execute().getSpec()
            .getPorts().get(0).getPort());
        assertEquals("demo-0.1.0", new CoreV1Api(childClient).readNamespacedConfigMap("web-config", "web").execute()
            .getMetadata().getLabels().get("chart"));

        // the token Secret deleted: no new registrations with it, the registered cluster keeps reporting
        ok(kubectl.run(hubConfig, "delete", "-f", token.toString()));
        HubClient hub = running.client();
        assertEquals(401, hub.register("07401b.f395accd246ae52d", Map.of()).code());
        long reports = agent.reportsSent();
        Poll.until(WITHIN, () -> assertTrue(agent.reportsSent() > reports + 2, "reports accepted"));
        assertTrue(line(kubectl.run(hubConfig, "get", "mcls", "-A"), l -> l.startsWith(namespace) && l.contains("true")));
      }
    }
  }

  private static void ok(Kubectl.Result result) {
    assertEquals(0, result.exitCode(), result.out() + result.err());
  }

  /** Whether the command succeeded with an output line that matches. */
  private static boolean line(Kubectl.Result result, Predicate<String> matches) {
    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().lines().anyMatch(matches), result.out());
    return true;
  }
}
