package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.Kubectl;
import io.flotilla.hub.TestHubs;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Clusternet's example manifests (replication-scheduling: a Namespace, a Deployment, a Service,
 * a HelmChart and a Subscription) through the real kubectl with validation on: apply, re-apply,
 * change, list, label, a stale replace, a bad enum, delete. Each kubectl version works in its own
 * namespaces so the runs do not meet.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObjectsKubectlTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  @TempDir
  static Path home;
  @TempDir
  Path manifests;
  TestHubs.Running hub;

  @BeforeAll
  void start() throws Exception {
    hub = TestHubs.start(cassandra, home);
  }

  @AfterAll
  void stop() throws Exception {
    hub.close();
  }

  /** The example files, in namespaces app-&lt;run&gt; (chart, subscription) and foo-&lt;run&gt; (workload). */
  Path writeExample(String run, String image) throws Exception {
    Path dir = Files.createDirectories(manifests.resolve(run));
    Files.writeString(dir.resolve("nginx-deployment.yaml"), """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: foo-RUN
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: my-nginx
          namespace: foo-RUN
          labels:
            clusternet-app: multi-cluster-nginx
        spec:
          selector:
            matchLabels:
              app: nginx
          replicas: 3
          template:
            metadata:
              labels:
                app: nginx
            spec:
              containers:
                - name: nginx
                  image: IMAGE
                  ports:
                    - containerPort: 80
        """.replace("RUN", run).replace("IMAGE", image));
    Files.writeString(dir.resolve("nginx-svc.yaml"), """
        apiVersion: v1
        kind: Service
        metadata:
          name: my-nginx-svc
          namespace: foo-RUN
          labels:
            app: nginx
        spec:
          type: ClusterIP
          ports:
            - port: 80
          selector:
            app: nginx
        """.replace("RUN", run));
    Files.writeString(dir.resolve("helm-chart-mysql.yaml"), """
        apiVersion: apps.clusternet.io/v1alpha1
        kind: HelmChart
        metadata:
          name: mysql
          namespace: app-RUN
        spec:
          repo: https://charts.bitnami.com/bitnami
          chart: mysql
          version: 9.2.0
          targetNamespace: abc
        """.replace("RUN", run));
    Files.writeString(dir.resolve("subscription.yaml"), """
        apiVersion: apps.clusternet.io/v1alpha1
        kind: Subscription
        metadata:
          name: app-demo
          namespace: app-RUN
        spec:
          subscribers:
            - clusterAffinity:
                matchLabels:
                  clusters.clusternet.io/cluster-id: dc91021d-2361-4f6d-a404-7c33b9e01118
          feeds:
            - apiVersion: apps.clusternet.io/v1alpha1
              kind: HelmChart
              name: mysql
              namespace: app-RUN
            - apiVersion: v1
              kind: Namespace
              name: foo-RUN
            - apiVersion: v1
              kind: Service
              name: my-nginx-svc
              namespace: foo-RUN
            - apiVersion: apps/v1
              kind: Deployment
              name: my-nginx
              namespace: foo-RUN
        """.replace("RUN", run));
    return dir;
  }

  Kubectl.Result ok(Kubectl kubectl, String... args) throws Exception {
    Kubectl.Result result = kubectl.run(hub.home().kubeconfig(), args);
    assertEquals(0, result.exitCode(), String.join(" ", args) + ": " + result.err() + result.out());
    return result;
  }

  HubClient.Reply get(String path) {
    return hub.client().get(path, hub.home().adminToken());
  }

  @ParameterizedTest
  @MethodSource("io.flotilla.hub.Kubectl#underTest")
  void clusternetExamplesApplyListLabelAndDelete(String which) throws Exception {
    Kubectl kubectl = Kubectl.require(which);
    String run = which.equals("PATH") ? "a" : "b";
    String deployment = "/apis/apps/v1/namespaces/foo-" + run + "/deployments/my-nginx";
    String subscription = "/apis/apps.clusternet.io/v1alpha1/namespaces/app-" + run + "/subscriptions/app-demo";
    Path dir = writeExample(run, "nginx:1.14.2");

    Kubectl.Result created = ok(kubectl, "apply", "-f", dir.toString());
    for (String object : List.of("namespace/foo-" + run, "deployment.apps/my-nginx", "service/my-nginx-svc",
        "helmchart.apps.clusternet.io/mysql", "subscription.apps.clusternet.io/app-demo")) {
      assertTrue(created.out().contains(object + " created"), created.out());
    }
    JsonNode sub = get(subscription).json();
    assertEquals("Replication", sub.at("/spec/schedulingStrategy").asText(), "defaulted as Clusternet's CRD does");
    assertEquals(1, sub.at("/metadata/generation").asLong());

    // the shadow API serves deployments too; kubectl still resolves `deploy` to apps/v1
    assertTrue(ok(kubectl, "get", "deploy", "my-nginx", "-n", "foo-" + run).out().contains("my-nginx"));

    Kubectl.Result again = ok(kubectl, "apply", "-f", dir.toString());
    assertEquals(5, again.out().lines().filter(l -> l.endsWith(" unchanged")).count(), again.out());

    writeExample(run, "nginx:1.25.3");
    Kubectl.Result changed = ok(kubectl, "apply", "-f", dir.toString());
    assertTrue(changed.out().contains("deployment.apps/my-nginx configured"), changed.out());
    assertEquals(4, changed.out().lines().filter(l -> l.endsWith(" unchanged")).count(), changed.out());
    JsonNode nginx = get(deployment).json();
    assertEquals("nginx:1.25.3", nginx.at("/spec/template/spec/containers/0/image").asText());
    assertEquals(80, nginx.at("/spec/template/spec/containers/0/ports/0/containerPort").asInt());
    assertEquals(2, nginx.at("/metadata/generation").asLong());

    // lists come from the index, a moment behind
    TestProbe.create(hub.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(300), () -> {
      Kubectl.Result listed = ok(kubectl, "get", "subs,chart", "-A");
      List<String> lines = listed.out().lines().toList();
      // two kinds at once: kubectl names rows kind/name, and an unset STATUS stays blank
      assertTrue(lines.stream().anyMatch(l -> l.matches("app-" + run
          + "\\s+subscription.apps.clusternet.io/app-demo\\s+\\d+[smh]\\s*")), listed.out());
      assertTrue(lines.stream().anyMatch(l -> l.matches("NAMESPACE\\s+NAME\\s+CHART\\s+VERSION\\s+REPO\\s+STATUS\\s+AGE\\s*")),
          listed.out());
      assertTrue(lines.stream().anyMatch(l -> l.matches("app-" + run
          + "\\s+helmchart.apps.clusternet.io/mysql\\s+mysql\\s+9.2.0\\s+https://charts.bitnami.com/bitnami\\s+\\d+[smh]\\s*")),
          listed.out());
      return null;
    });

    // -o yaml round trip: what get prints, replace takes back. The Subscription controller writes
    // the finalizer and status meanwhile, so a copy may be overtaken once; a fresh one then goes in.
    Path saved = manifests.resolve("subscription-" + run + ".yaml");
    TestProbe.create(hub.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(300), () -> {
      Files.writeString(saved, ok(kubectl, "get", "subs", "app-demo", "-n", "app-" + run, "-o", "yaml").out());
      assertTrue(ok(kubectl, "replace", "-f", saved.toString()).out().contains("replaced"));
      return null;
    });

    Kubectl.Result labeled = ok(kubectl, "label", "subs", "app-demo", "-n", "app-" + run, "tier=edge");
    assertTrue(labeled.out().contains("labeled"), labeled.out());
    assertEquals("edge", get(subscription).json().at("/metadata/labels/tier").asText());

    // the saved copy is now stale: its resourceVersion was overtaken by the label
    Kubectl.Result stale = kubectl.run(hub.home().kubeconfig(), "replace", "-f", saved.toString());
    assertTrue(stale.exitCode() != 0, stale.out());
    assertTrue(stale.err().contains("the object has been modified"), stale.err());

    Path bad = manifests.resolve("bad-" + run + ".yaml");
    Files.writeString(bad, Files.readString(dir.resolve("subscription.yaml")).replace("name: app-demo", "name: bad-demo")
        .replace("spec:\n", "spec:\n  schedulingStrategy: Sharding\n"));
    Kubectl.Result invalid = kubectl.run(hub.home().kubeconfig(), "apply", "-f", bad.toString());
    assertTrue(invalid.exitCode() != 0, invalid.out());
    assertTrue(invalid.err().contains("spec.schedulingStrategy") && invalid.err().contains("Unsupported value"),
        invalid.err());
    assertEquals(404, get(subscription.replace("app-demo", "bad-demo")).code());

    Kubectl.Result deleted = ok(kubectl, "delete", "-f", dir.toString());
    assertEquals(5, deleted.out().lines().filter(l -> l.endsWith(" deleted")).count(), deleted.out());
    assertEquals(404, get(deployment).code());
    HubClient.Reply gone = get(subscription);
    assertEquals(404, gone.code());
    assertEquals("subscriptions.apps.clusternet.io \"app-demo\" not found", gone.text("/message"));
  }
}
