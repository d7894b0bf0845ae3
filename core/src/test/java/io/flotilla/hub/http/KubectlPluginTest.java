package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import io.flotilla.hub.HubExtension;
import io.flotilla.hub.Kubectl;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** `kubectl clusternet ...` (bin/kubectl-clusternet found by the real kubectl on PATH) against the hub. */
class KubectlPluginTest {
  @RegisterExtension
  @Order(1)
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();
  @RegisterExtension
  @Order(2)
  static final HubExtension hub = new HubExtension(cassandra);

  @TempDir
  Path dir;

  Kubectl.Result ok(Kubectl kubectl, String... args) throws Exception {
    Kubectl.Result result = kubectl.runPlugin(hub.home().kubeconfig(), args);
    assertEquals(0, result.exitCode(), String.join(" ", args) + ": " + result.err() + result.out());
    return result;
  }

  @Test
  void theWalkthroughsPluginCommandsWorkAgainstTheHub() throws Exception {
    Kubectl kubectl = Kubectl.require("PATH");
    Kubectl.Result version = ok(kubectl, "clusternet", "version");
    assertTrue(version.out().contains("kubectl-clusternet (Flotilla) v0.1.0"), version.out());
    assertTrue(version.out().contains("Server Version: v1.32.0-flotilla"), version.out());

    Files.writeString(dir.resolve("app.yaml"), """
        apiVersion: v1
        kind: Namespace
        metadata: {name: plugin-demo}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: plugin-demo}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: nginx:1.27}]}
        ---
        apiVersion: apps.clusternet.io/v1alpha1
        kind: Subscription
        metadata: {name: web, namespace: plugin-demo}
        spec:
          subscribers: [{clusterAffinity: {matchLabels: {plugin: demo}}}]
          feeds: [{apiVersion: apps/v1, kind: Deployment, name: web, namespace: plugin-demo}]
        """);
    Kubectl.Result applied = ok(kubectl, "clusternet", "apply", "-f", dir.resolve("app.yaml").toString());
    assertTrue(applied.out().contains("subscription.apps.clusternet.io/web created"), applied.out());
    assertTrue(applied.out().contains("deployment.apps/web created"), applied.out());

    TestProbe.create(hub.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(300), () -> {
      Kubectl.Result subs = ok(kubectl, "clusternet", "get", "subs", "-A");
      assertTrue(subs.out().lines().anyMatch(l -> l.matches("plugin-demo\\s+web\\s+.*")), subs.out());
      return null;
    });
    assertTrue(ok(kubectl, "clusternet", "label", "deploy", "web", "-n", "plugin-demo", "tier=edge").out()
        .contains("labeled"));
    assertTrue(ok(kubectl, "clusternet", "annotate", "subs", "web", "-n", "plugin-demo", "owner=shops").out()
        .contains("annotated"));
    assertEquals("edge", ok(kubectl, "clusternet", "get", "deploy", "web", "-n", "plugin-demo", "-o",
        "jsonpath={.metadata.labels.tier}").out());
    assertTrue(ok(kubectl, "clusternet", "delete", "-f", dir.resolve("app.yaml").toString()).out()
        .contains("subscription.apps.clusternet.io \"web\" deleted"));

    Kubectl.Result badId = kubectl.runPlugin(hub.home().kubeconfig(), "clusternet", "--cluster-id", "shop-1", "get", "pods");
    assertEquals(2, badId.exitCode());
    assertTrue(badId.err().contains("--cluster-id takes the cluster's ID"), badId.err());
  }
}
