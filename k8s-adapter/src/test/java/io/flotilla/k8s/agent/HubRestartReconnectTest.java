package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flotilla.hub.Hub;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.TestHubs;
import io.flotilla.hub.security.HubHome;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hub node restarted under a connected agent: nobody touches the agent, it redials with its
 * backoff, the new node serves the proxy to the child again, and the cluster's credential (kept
 * by the hub in Cassandra) still works: the agent does not register again.
 */
class HubRestartReconnectTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final Duration WITHIN = Duration.ofSeconds(60);

  @TempDir
  static Path home;

  @Test
  void agentsReconnectByThemselvesAfterTheHubRestarts() throws Exception {
    Config config = TestHubs.config(cassandra);
    TestHubs.Running first = TestHubs.start(home, config);
    int port = first.hub().port();
    HubHome hubHome = first.home();
    Path caFile = Files.writeString(home.resolve("hub-ca.crt"), hubHome.caCertificatePem());
    try (SandboxApiServer child = SandboxApiServer.startSeeded(0, 2)) {
      Path kubeconfig = child.writeKubeconfig(home.resolve("child.kubeconfig"));
      try (Agent agent = new Agent(AgentOptions.parse("--cluster-reg-parent-url", "https://127.0.0.1:" + port,
          "--cluster-reg-token", hubHome.bootstrapToken(), "--parent-ca-file", caFile.toString(),
          "--kubeconfig", kubeconfig.toString(), "--cluster-status-update-frequency", "1s"),
          ChildClients.fromKubeconfig(kubeconfig), TunnelEndToEndTest.FAST)) {
        agent.start();
        Poll.until(WITHIN, () -> assertTrue(agent.clusterId().isPresent(), "registered"));
        String nodes = TunnelEndToEndTest.proxy(agent.clusterId().orElseThrow(), "/api/v1/nodes");
        HubClient client = first.client();
        Poll.until(WITHIN, () -> assertEquals(200, client.get(nodes, hubHome.adminToken()).code()));

        first.close();
        Poll.until(WITHIN, () -> assertTrue(!agent.tunnel().orElseThrow().connected(), "the tunnel dropped"));
        long reportsBefore = agent.reportsSent();

        try (Hub second = Hub.start(ConfigFactory.parseMap(Map.of("flotilla.hub.port", port)).withFallback(config),
            HubHome.open(home, port, List.of()))) {
          Poll.until(WITHIN, () -> assertTrue(agent.tunnel().orElseThrow().connected(), "the agent redialled"));
          Poll.until(WITHIN, () -> {
            HubClient.Reply reply = client.get(nodes, hubHome.adminToken());
            assertEquals(200, reply.code(), reply.body());
            assertEquals(2, reply.json().path("items").size(), reply.body());
          });
          Poll.until(WITHIN, () -> assertTrue(agent.reportsSent() > reportsBefore, "reports accepted again"));
          assertEquals(1, agent.registrationPosts(), "the credential outlived the hub node: no new registration");
        }
      }
    }
  }
}
