package io.flotilla.k8s.agent;

import static io.flotilla.k8s.agent.AppDeliveryEndToEndTest.notFoundCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.Kubectl;
import io.flotilla.hub.TestHubs;
import io.flotilla.k8s.deployer.ChartRepository;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clusternet's three sync modes side by side: a hub and three sandbox clusters whose agents run
 * Push, Pull and Dual. The hub deploys to the Push and Dual clusters itself, through their tunnels
 * (their agents' own deployers are never called), the Pull agent deploys for itself; the app demo
 * (Namespace, Deployment, Service) with a per-cluster Localization and a real Helm chart from a
 * loopback repository reach all three, Descriptions report Success, static dividing 1:2 gives 2 and
 * 4 replicas in the children, a removed feed is pruned, a
 * Push cluster whose agent was away during two updates converges to the last one, and deleting the
 * Subscriptions removes everything.
 */
class SyncModesEndToEndTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final Duration WITHIN = Duration.ofSeconds(90);
  static final String APPS = "/apis/apps.clusternet.io/v1alpha1";

  @TempDir
  static Path home;

  /** One child cluster: its sandbox API server, its agent, and what the agent's own deployers did. */
  record Child(String mode, int replicas, SandboxApiServer server, ApiClient client, AgentOptions options,
      Map<String, DescriptionSync.Deployer> deployers, AtomicInteger agentDeploys, Agent[] agent) {
    String namespace() {
      return agent[0].credential().orElseThrow().namespace();
    }

    AppsV1Api apps() {
      return new AppsV1Api(client);
    }

    void startAgent() {
      agent[0] = new Agent(options, client, AppDeliveryEndToEndTest.FAST, deployers);
      agent[0].start();
    }
  }

  @Test
  void pushPullAndDualClustersAllConvergeOnTheSubscription() throws Exception {
    Path charts = Files.createDirectories(home.resolve("charts"));
    List<Path> archives = List.of(ChartRepository.packageDemo(home, "demo", "0.1.0", charts, Map.of()),
        ChartRepository.packageDemo(home, "demo", "0.2.0", charts, Map.of()));
    List<Child> children = new ArrayList<>();
    try (TestHubs.Running running = TestHubs.start(cassandra, home);
        ChartRepository repo = ChartRepository.serve(charts, archives)) {
      HubClient hub = running.client();
      String admin = running.home().adminToken();
      try {
        for (String mode : List.of("Push", "Pull", "Dual")) {
          children.add(child(running, mode, 3 + children.size()));
        }
        children.forEach(Child::startAgent);
        for (Child child : children) {
          Poll.until(WITHIN, () -> assertTrue(child.agent()[0].credential().isPresent(), child.mode() + " registered"));
        }

        // a Localization per cluster (its own replica count), then the app and a Helm chart for every demo cluster
        Kubectl kubectl = Kubectl.require("PATH");
        for (Child child : children) {
          assertEquals(201, hub.post(APPS + "/namespaces/" + child.namespace() + "/localizations", admin,
              localization(child.replicas())).code());
        }
        Kubectl.Result applied = kubectl.run(running.home().kubeconfig(), "apply", "-f",
            AppDeliveryEndToEndTest.EXAMPLES.toString());
        assertEquals(0, applied.exitCode(), applied.err());
        assertEquals(201, hub.post(APPS + "/namespaces/foo/helmcharts", admin, helmChart(repo.url(), "0.1.0")).code());
        assertEquals(201, hub.post(APPS + "/namespaces/default/subscriptions", admin, Map.of("apiVersion",
            "apps.clusternet.io/v1alpha1", "kind", "Subscription", "metadata", Map.of("name", "web"),
            "spec", Map.of("subscribers", List.of(Map.of("clusterAffinity", Map.of("matchLabels", Map.of("demo", "true")))),
                "feeds", List.of(Map.of("apiVersion", "apps.clusternet.io/v1alpha1", "kind", "HelmChart",
                    "namespace", "foo", "name", "web"))))).code());

        for (Child child : children) {
          Poll.until(WITHIN, () -> assertEquals(child.replicas(), child.apps().readNamespacedDeployment("my-nginx", "foo")
              .execute().getSpec().getReplicas(), child.mode()));
          Poll.until(WITHIN, () -> assertEquals(80, new CoreV1Api(child.client()).readNamespacedService("my-nginx-svc",
              "foo").execute().getSpec().getPorts().get(0).getPort()));
          for (String description : List.of("app-demo-generic", "web-helm")) {
            String path = APPS + "/namespaces/" + child.namespace() + "/descriptions/" + description;
            Poll.until(WITHIN, () -> assertEquals("Success", hub.get(path, admin).json().at("/status/phase").asText(),
                child.mode() + " " + description));
          }
          Poll.until(WITHIN, () -> assertEquals("demo-0.1.0", helmConfigMap(child).getMetadata().getLabels().get("chart")));
          assertEquals(1, releaseSecrets(child).size(), child.mode() + ": Helm's release Secret");
        }
        Poll.until(WITHIN, () -> assertEquals(3, hub.get(APPS + "/namespaces/default/subscriptions/app-demo", admin)
            .json().at("/status/completedReleases").asInt()));
        assertEquals(0, children.get(0).agentDeploys().get(), "Push: the hub deploys, not the agent");
        assertEquals(0, children.get(2).agentDeploys().get(), "Dual with AppPusher: the hub deploys, not the agent");
        assertTrue(children.get(1).agentDeploys().get() > 0, "Pull: the agent deploys");

        // static dividing 1:2 between the Push and the Pull cluster: 2 and 4 of 6 replicas in the children
        assertEquals(201, hub.post("/api/v1/namespaces", admin, Map.of("apiVersion", "v1", "kind", "Namespace",
            "metadata", Map.of("name", "bar"))).code());
        assertEquals(201, hub.post("/apis/apps/v1/namespaces/bar/deployments", admin, Map.of("apiVersion", "apps/v1",
            "kind", "Deployment", "metadata", Map.of("name", "divided", "namespace", "bar"),
            "spec", Map.of("replicas", 6, "selector", Map.of("matchLabels", Map.of("app", "divided")),
                "template", Map.of("metadata", Map.of("labels", Map.of("app", "divided")),
                    "spec", Map.of("containers", List.of(Map.of("name", "web", "image", "nginx:1.25"))))))).code());
        Child pull = children.get(1);
        assertEquals(201, hub.post(APPS + "/namespaces/default/subscriptions", admin, Map.of("apiVersion",
            "apps.clusternet.io/v1alpha1", "kind", "Subscription", "metadata", Map.of("name", "divided"),
            "spec", Map.of("schedulingStrategy", "Dividing", "dividingScheduling", Map.of("type", "Static"),
                "subscribers", List.of(byClusterId(children.get(0), 1), byClusterId(pull, 2)),
                "feeds", List.of(Map.of("apiVersion", "v1", "kind", "Namespace", "name", "bar"),
                    Map.of("apiVersion", "apps/v1", "kind", "Deployment", "name", "divided", "namespace", "bar"))))).code());
        for (Map.Entry<Child, Integer> expected : Map.of(children.get(0), 2, pull, 4).entrySet()) {
          Poll.until(WITHIN, () -> assertEquals(expected.getValue(), expected.getKey().apps()
              .readNamespacedDeployment("divided", "bar").execute().getSpec().getReplicas(), expected.getKey().mode()));
        }

        // Helm: a new chart version upgrades the release in every cluster
        assertEquals(200, hub.mergePatch(APPS + "/namespaces/foo/helmcharts/web", admin,
            Map.of("spec", Map.of("version", "0.2.0"))).code());
        for (Child child : children) {
          Poll.until(WITHIN, () -> assertEquals("demo-0.2.0", helmConfigMap(child).getMetadata().getLabels().get("chart"),
              child.mode()));
          Poll.until(WITHIN, () -> assertEquals(2, releaseSecrets(child).size(), child.mode() + ": revision 2"));
        }

        // a feed removed from the Subscription is pruned in every cluster
        assertEquals(200, hub.mergePatch(APPS + "/namespaces/default/subscriptions/app-demo", admin, Map.of("spec",
            Map.of("feeds", List.of(Map.of("apiVersion", "v1", "kind", "Namespace", "name", "foo"),
                Map.of("apiVersion", "apps/v1", "kind", "Deployment", "name", "my-nginx", "namespace", "foo"))))).code());
        for (Child child : children) {
          Poll.until(WITHIN, () -> assertEquals(404, notFoundCode(() -> new CoreV1Api(child.client())
              .readNamespacedService("my-nginx-svc", "foo").execute()), child.mode()));
        }

        // the Push cluster's agent is away during two updates; back, its cluster gets the last one
        Child push = children.get(0);
        push.agent()[0].close();
        String pushed = APPS + "/namespaces/" + push.namespace() + "/descriptions/app-demo-generic";
        long before = hub.get(pushed, admin).json().at("/metadata/generation").asLong();
        for (String release : List.of("two", "three")) {
          assertEquals(200, hub.mergePatch("/apis/apps/v1/namespaces/foo/deployments/my-nginx", admin,
              Map.of("metadata", Map.of("annotations", Map.of("release", release)))).code());
        }
        for (Child child : children.subList(1, 3)) {
          Poll.until(WITHIN, () -> assertEquals("three", child.apps().readNamespacedDeployment("my-nginx", "foo").execute()
              .getMetadata().getAnnotations().get("release"), child.mode()));
        }
        // the hub renders the updates while the cluster is away (one or two generations: renders coalesce)
        long latest = hub.get(pushed, admin).json().at("/metadata/generation").asLong();
        assertTrue(latest > before, "re-rendered: " + latest);
        assertEquals(null, push.apps().readNamespacedDeployment("my-nginx", "foo").execute().getMetadata()
            .getAnnotations().get("release"), "nothing reaches a cluster without its tunnel");
        push.startAgent();
        Poll.until(WITHIN, () -> assertEquals("three", push.apps().readNamespacedDeployment("my-nginx", "foo").execute()
            .getMetadata().getAnnotations().get("release")));
        Poll.until(WITHIN, () -> {
          JsonNode description = hub.get(pushed, admin).json();
          assertEquals("Success", description.at("/status/phase").asText());
          assertEquals(latest, description.at("/status/observedGeneration").asLong());
        });
        assertEquals(0, push.agentDeploys().get());

        // deleting the Subscriptions removes the app and the Helm release everywhere
        for (String subscription : List.of("app-demo", "web", "divided")) {
          // 202: the Subscription's finalizer holds it until its Bases are gone
          assertEquals(202, hub.delete(APPS + "/namespaces/default/subscriptions/" + subscription, admin).code());
        }
        for (Child child : children) {
          Poll.until(WITHIN, () -> assertEquals(404, notFoundCode(() -> child.apps()
              .readNamespacedDeployment("my-nginx", "foo").execute()), child.mode()));
          Poll.until(WITHIN, () -> assertEquals(0, releaseSecrets(child).size(), child.mode() + ": uninstalled"));
        }
      } finally {
        for (Child child : children) {
          if (child.agent()[0] != null) {
            child.agent()[0].close();
          }
          child.server().close();
        }
      }
    }
  }

  private static Child child(TestHubs.Running running, String mode, int replicas) throws Exception {
    SandboxApiServer server = SandboxApiServer.startSeeded(0, 1);
    Path kubeconfig = server.writeKubeconfig(home.resolve(mode + ".kubeconfig"));
    ApiClient client = ChildClients.fromKubeconfig(kubeconfig);
    AgentOptions options = AppDeliveryEndToEndTest.agentOptions(running, kubeconfig, "--cluster-sync-mode", mode);
    Map<String, DescriptionSync.Deployer> real = Deployers.forChild(client, kubeconfig,
        Files.createTempDirectory(home, mode));
    AtomicInteger agentDeploys = new AtomicInteger();
    Map<String, DescriptionSync.Deployer> counted = new java.util.HashMap<>();
    real.forEach((name, deployer) -> counted.put(name, new DescriptionSync.Deployer(description -> {
      agentDeploys.incrementAndGet();
      return deployer.apply().apply(description);
    }, deployer.remove())));
    return new Child(mode, replicas, server, client, options, counted, agentDeploys, new Agent[1]);
  }

  private static Map<String, Object> byClusterId(Child child, int weight) {
    return Map.of("clusterAffinity", Map.of("matchLabels", Map.of("clusters.clusternet.io/cluster-id",
        child.agent()[0].clusterId().orElseThrow())), "weight", weight);
  }

  private static Map<String, Object> localization(int replicas) {
    return Map.of("apiVersion", "apps.clusternet.io/v1alpha1", "kind", "Localization",
        "metadata", Map.of("name", "nginx-replicas"),
        "spec", Map.of("priority", 500, "overridePolicy", "ApplyNow",
            "feed", Map.of("apiVersion", "apps/v1", "kind", "Deployment", "name", "my-nginx", "namespace", "foo"),
            "overrides", List.of(Map.of("name", "replicas", "type", "MergePatch",
                "value", "{\"spec\":{\"replicas\":" + replicas + "}}"))));
  }

  private static Map<String, Object> helmChart(String repo, String version) {
    return Map.of("apiVersion", "apps.clusternet.io/v1alpha1", "kind", "HelmChart",
        "metadata", Map.of("name", "web", "namespace", "foo"),
        "spec", Map.of("repo", repo, "chart", "demo", "version", version, "targetNamespace", "web"));
  }

  private static io.kubernetes.client.openapi.models.V1ConfigMap helmConfigMap(Child child) throws Exception {
    return new CoreV1Api(child.client()).readNamespacedConfigMap("web-config", "web").execute();
  }

  /** Helm's release records in the child: one Secret per revision. */
  private static List<V1Secret> releaseSecrets(Child child) throws Exception {
    return new CoreV1Api(child.client()).listNamespacedSecret("web").labelSelector("owner=helm,name=web").execute()
        .getItems();
  }
}
