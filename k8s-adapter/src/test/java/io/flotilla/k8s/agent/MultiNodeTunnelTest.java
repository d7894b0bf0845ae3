package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flotilla.api.Json;
import io.flotilla.hub.Hub;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.TestHubs;
import io.flotilla.hub.security.HubHome;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-node hub (three actor systems in one Akka cluster on one keyspace, each with its own
 * HTTPS port) behind a load balancer, as in production (deploy/: the Service); here a TCP one
 * sends each new connection to the first node that accepts it, node 3 first.
 *
 * <p>The agent's tunnel is on node 3. Requests to node 1 cross over to it (by the entity's
 * connection ref and StreamRefs): a list, a 2 MiB body both ways, a watch that streams a later
 * event. Then node 3 crashes (issue #9: no graceful leave): the agent redials through the balancer
 * by itself, lands on a survivor, keeps its registration, and the hub proxies to its cluster again
 * from every node left.
 */
class MultiNodeTunnelTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final Duration WITHIN = Duration.ofSeconds(90);

  @TempDir
  static Path home;

  /** Re-registration every second: an entity that moves to another node learns its tunnel back fast. */
  Config config(List<String> seeds) {
    return ConfigFactory.parseMap(Map.of("flotilla.hub.tunnel.register-interval", "1s"))
        .withFallback(TestHubs.nodeConfig(seeds, cassandra));
  }

  @Test
  void requestsCrossOverToTheTunnelsNodeAndTheAgentRedialsWhenItDies() throws Exception {
    HubHome hubHome = HubHome.open(home, 6443, List.of()); // the nodes bind port 0; this port is unused
    List<Hub> nodes = TestHubs.startNodes(3, this::config, hubHome);
    Hub node1 = nodes.get(0);
    Hub node2 = nodes.get(1);
    Hub node3 = nodes.get(2);
    boolean node3Lost = false;
    try (LoadBalancer balancer = new LoadBalancer(List.of(node3::port, node1::port, node2::port));
        SandboxApiServer child = SandboxApiServer.startSeeded(0, 3)) {
      Poll.until(WITHIN, () -> assertEquals(3, upMembers(node1)));
      Path kubeconfig = child.writeKubeconfig(home.resolve("child.kubeconfig"));
      Path caFile = Files.writeString(home.resolve("hub-ca.crt"), hubHome.caCertificatePem());
      try (Agent agent = new Agent(AgentOptions.parse(
          "--cluster-reg-parent-url", "https://127.0.0.1:" + balancer.port(),
          "--cluster-reg-token", hubHome.bootstrapToken(),
          "--parent-ca-file", caFile.toString(),
          "--kubeconfig", kubeconfig.toString(),
          "--cluster-status-update-frequency", "1s"), ChildClients.fromKubeconfig(kubeconfig),
          new Agent.Timing(Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofMillis(200)))) {
        agent.start();
        Poll.until(WITHIN, () -> assertTrue(agent.tunnel().map(t -> t.connected()).orElse(false), "tunnel up"));
        String clusterId = agent.clusterId().orElseThrow();
        String direct = "/apis/proxies.clusternet.io/v1alpha1/sockets/" + clusterId + "/proxy/direct";
        String proxy = direct + "/api/v1/nodes";
        HubClient viaNode1 = new HubClient(hubHome.clientSslContext(), node1.port());
        HubClient viaNode2 = new HubClient(hubHome.clientSslContext(), node2.port());
        Poll.until(WITHIN, () -> assertEquals(200, viaNode1.get(proxy, hubHome.adminToken()).code()));
        int connectionsBefore = balancer.connectionsTo(0);
        assertTrue(connectionsBefore > 0, "the agent came in through the balancer to node 3");
        crossesOver(viaNode1, node1.port(), direct, hubHome);

        TestHubs.stop(node3);
        node3Lost = true;
        Poll.until(WITHIN, () -> assertEquals(2, StreamSupport.stream(
            Cluster.get(node1.system()).state().getMembers().spliterator(), false).count(), "node 3 removed"));

        for (HubClient survivor : List.of(viaNode1, viaNode2)) {
          Poll.until(WITHIN, () -> {
            HubClient.Reply childNodes = survivor.get(proxy, hubHome.adminToken());
            assertEquals(200, childNodes.code(), childNodes.body());
            assertEquals(3, childNodes.json().path("items").size(), childNodes.body());
          });
        }
        assertTrue(agent.tunnel().map(t -> t.connected()).orElse(false), "the agent's tunnel is up again");
        assertTrue(balancer.connectionsTo(1) + balancer.connectionsTo(2) > 0, "it redialled to a survivor");
        assertEquals(clusterId, agent.clusterId().orElseThrow(), "no new registration: the same cluster");
      }
    } finally {
      if (!node3Lost) {
        TestHubs.stop(node3);
      }
      TestHubs.stop(node2);
      TestHubs.stop(node1);
    }
  }

  /** Through a node without the tunnel: a 2 MiB body both ways, and a watch that streams a later event. */
  static void crossesOver(HubClient via, int port, String direct, HubHome hubHome) throws Exception {
    String blob = "x".repeat(2 * 1024 * 1024);
    HubClient.Reply created = via.post(direct + "/api/v1/namespaces/default/configmaps", hubHome.adminToken(),
        Map.of("apiVersion", "v1", "kind", "ConfigMap", "metadata", Map.of("name", "big"), "data", Map.of("k", blob)));
    assertEquals(201, created.code(), created.body().length() > 500 ? created.body().substring(0, 500) : created.body());
    HubClient.Reply read = via.get(direct + "/api/v1/namespaces/default/configmaps/big", hubHome.adminToken());
    assertEquals(blob, read.json().at("/data/k").asText());

    HttpClient http = HttpClient.newBuilder().sslContext(hubHome.clientSslContext()).build();
    HttpResponse<InputStream> watch = http.send(HttpRequest.newBuilder(
            URI.create("https://127.0.0.1:" + port + direct + "/api/v1/namespaces/default/pods?watch=true"))
        .header("Authorization", "Bearer " + hubHome.adminToken()).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, watch.statusCode());
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(watch.body(), StandardCharsets.UTF_8))) {
      CompletableFuture<String> added = CompletableFuture.supplyAsync(() -> {
        try {
          for (String line; (line = lines.readLine()) != null; ) {
            if (line.contains("late-pod")) {
              return line;
            }
          }
          return null;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      HubClient.Reply pod = via.post(direct + "/api/v1/namespaces/default/pods", hubHome.adminToken(),
          Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", "late-pod"),
              "spec", Map.of("containers", List.of(Map.of("name", "c", "image", "busybox")))));
      assertEquals(201, pod.code(), pod.body());
      JsonNode event = Json.parse(added.get(WITHIN.toSeconds(), TimeUnit.SECONDS).getBytes(StandardCharsets.UTF_8));
      assertEquals("ADDED", event.path("type").asText());
    }
  }

  static long upMembers(Hub node) {
    return StreamSupport.stream(Cluster.get(node.system()).state().getMembers().spliterator(), false)
        .filter(member -> member.status() == MemberStatus.up()).count();
  }

  /**
   * A TCP load balancer on a loopback port: each connection goes to the first backend that accepts
   * one (a dead node refuses), bytes copied both ways until either side closes.
   */
  static final class LoadBalancer implements AutoCloseable {
    private final List<IntSupplier> backends;
    private final ServerSocket server;
    private final AtomicInteger[] connections;

    LoadBalancer(List<IntSupplier> backends) throws IOException {
      this.backends = backends;
      this.connections = backends.stream().map(b -> new AtomicInteger()).toArray(AtomicInteger[]::new);
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      daemon(this::accept);
    }

    int port() {
      return server.getLocalPort();
    }

    int connectionsTo(int backend) {
      return connections[backend].get();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          daemon(() -> forward(client));
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    private void forward(Socket client) {
      for (int i = 0; i < backends.size(); i++) {
        Socket backend = new Socket();
        try {
          backend.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), backends.get(i).getAsInt()), 1000);
        } catch (IOException refused) {
          closeQuietly(backend);
          continue;
        }
        connections[i].incrementAndGet();
        daemon(() -> copy(backend, client));
        copy(client, backend);
        return;
      }
      closeQuietly(client);
    }

    private static void copy(Socket from, Socket to) {
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        in.transferTo(out);
      } catch (IOException e) {
        // one side went away
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }

    private static void closeQuietly(Socket socket) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }

    private static void daemon(Runnable work) {
      Thread thread = new Thread(work, "test-load-balancer");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
