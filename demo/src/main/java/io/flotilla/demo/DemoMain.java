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
import java.util.Optional;

/**
 * `bin/flotilla demo`: a hub (embedded Cassandra unless --cassandra is given) and one demo child
 * cluster in the same process: a sandbox API server with three nodes, managed by a real agent
 * (registration, status, tunnel, Pull of Descriptions) labelled `demo=true`. Takes the hub's
 * options.
 */
public final class DemoMain {
  private DemoMain() {}

  public static void main(String[] args) throws Exception {
    JvmDefaults.apply();
    Optional<HubMain.Started> started = HubMain.start(args);
    if (started.isEmpty()) {
      return;
    }
    HubMain.Started hub = started.get();
    Path dir = hub.home().dir().resolve("demo-cluster");
    Files.createDirectories(dir);
    SandboxApiServer child = SandboxApiServer.startSeeded(0, 3);
    Path kubeconfig = child.writeKubeconfig(dir.resolve("kubeconfig"));
    ApiClient client = ChildClients.fromKubeconfig(kubeconfig);
    AgentOptions options = AgentOptions.parse(
        "--cluster-reg-parent-url", "https://127.0.0.1:" + hub.hub().port(),
        "--cluster-reg-token", hub.home().bootstrapToken(),
        "--parent-ca-file", hub.home().dir().resolve("ca.crt").toString(),
        "--kubeconfig", kubeconfig.toString(),
        "--cluster-reg-name", "demo",
        "--cluster-labels", "demo=true",
        "--cluster-status-update-frequency", "20s");
    Agent agent = new Agent(options, client, Agent.Timing.DEFAULT, Deployers.forChild(client, kubeconfig, dir));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      child.close();
    }, "flotilla-demo-shutdown"));
    agent.start();
    System.out.printf("""
        Demo child cluster "demo" (label demo=true): its API server is %s
          its kubeconfig:   %s
          its agent registers with the hub now; see it with
          kubectl --kubeconfig %s get mcls -A -o wide
        %n""", child.url(), kubeconfig, hub.home().kubeconfig());
    hub.hub().system().getWhenTerminated().toCompletableFuture().join();
  }
}
