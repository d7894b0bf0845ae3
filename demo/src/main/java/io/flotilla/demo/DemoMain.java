package io.flotilla.demo;

import io.flotilla.api.JvmDefaults;
import io.flotilla.hub.HubMain;
import io.flotilla.k8s.agent.Agent;
import io.flotilla.k8s.agent.AgentOptions;
import io.flotilla.k8s.agent.ChildClients;
import io.flotilla.k8s.agent.Deployers;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.kubernetes.client.openapi.ApiClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * `bin/flotilla demo`: a hub (embedded Cassandra unless --cassandra is given) and three demo child
 * clusters in the same process, one per sync mode: each a sandbox API server with three nodes,
 * managed by a real agent (registration, status, tunnel) labelled `demo=true` — "demo" pulls its
 * Descriptions, the hub pushes to "demo-push" and "demo-dual". Then it applies the example app
 * (`-Dflotilla.demo.examples`, which bin/flotilla sets to examples/app-demo) and prints the kubectl
 * commands to look at it all. Takes the hub's options.
 */
public final class DemoMain {
  /** The demo clusters: name and sync mode. */
  private record DemoCluster(String name, String syncMode) {}

  private static final List<DemoCluster> CLUSTERS = List.of(new DemoCluster("demo", "Pull"),
      new DemoCluster("demo-push", "Push"), new DemoCluster("demo-dual", "Dual"));

  private DemoMain() {}

  public static void main(String[] args) throws Exception {
    JvmDefaults.apply();
    Optional<HubMain.Started> started = HubMain.start(args);
    if (started.isEmpty()) {
      return;
    }
    HubMain.Started hub = started.get();
    List<Agent> agents = new ArrayList<>();
    List<SandboxApiServer> children = new ArrayList<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agents.forEach(Agent::close);
      children.forEach(SandboxApiServer::close);
    }, "flotilla-demo-shutdown"));
    StringBuilder clusters = new StringBuilder();
    for (DemoCluster cluster : CLUSTERS) {
      Path dir = Files.createDirectories(hub.home().dir().resolve(cluster.name() + "-cluster"));
      SandboxApiServer child = SandboxApiServer.startSeeded(0, 3);
      children.add(child);
      Path kubeconfig = child.writeKubeconfig(dir.resolve("kubeconfig"));
      ApiClient client = ChildClients.fromKubeconfig(kubeconfig);
      AgentOptions options = AgentOptions.parse(
          "--cluster-reg-parent-url", "https://127.0.0.1:" + hub.hub().port(),
          "--cluster-reg-token", hub.home().bootstrapToken(),
          "--parent-ca-file", hub.home().dir().resolve("ca.crt").toString(),
          "--kubeconfig", kubeconfig.toString(),
          "--cluster-reg-name", cluster.name(),
          "--cluster-sync-mode", cluster.syncMode(),
          "--cluster-labels", "demo=true",
          "--cluster-status-update-frequency", "20s");
      Agent agent = new Agent(options, client, Agent.Timing.DEFAULT, Deployers.forChild(client, kubeconfig, dir));
      agents.add(agent);
      agent.start();
      clusters.append(String.format("  %-10s %-5s API server %s, kubeconfig %s%n", cluster.name(), cluster.syncMode(),
          child.url(), kubeconfig));
    }
    String examples = System.getProperty("flotilla.demo.examples");
    String applied = examples == null ? "(no example app: -Dflotilla.demo.examples is not set)"
        : ExampleApp.apply(Path.of(examples), hub);
    Path hubConfig = hub.home().kubeconfig();
    System.out.printf("""

        Demo child clusters (label demo=true; their agents register with the hub now):
        %s
        Example app: %s

        Look at it all:
          kubectl --kubeconfig %3$s get mcls -A -o wide
          kubectl --kubeconfig %3$s get subs,desc -A        # app-demo-generic: Success in each cluster's namespace
          kubectl --kubeconfig %4$s get deploy,svc -n foo   # in the Pull cluster
          kubectl --kubeconfig %5$s get deploy,svc -n foo   # in the Push cluster (the hub deployed it)
          dashboard: https://127.0.0.1:%6$d/ui/ (sign in with the token in %7$s)
        %n""", clusters, applied, hubConfig, hub.home().dir().resolve("demo-cluster/kubeconfig"),
        hub.home().dir().resolve("demo-push-cluster/kubeconfig"), hub.hub().port(),
        hub.home().dir().resolve("viewer-token"));
    hub.hub().system().getWhenTerminated().toCompletableFuture().join();
  }
}
