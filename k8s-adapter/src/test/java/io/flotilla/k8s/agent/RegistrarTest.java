package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flotilla.api.ClusterRegistrationRequest;
import io.flotilla.k8s.sandbox.SandboxApiServer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registration against a scripted hub, with the credential stored in a sandbox child cluster. */
class RegistrarTest {
  static final String ID = UUID.randomUUID().toString();
  static final String NAME = "clusternet-" + ID;

  @TempDir
  Path dir;
  SandboxApiServer child;
  ApiClient client;
  FakeHub hub;
  AtomicLong posts;

  @BeforeEach
  void start() throws Exception {
    child = SandboxApiServer.start(0);
    client = ChildClients.fromKubeconfig(child.writeKubeconfig(dir.resolve("kubeconfig")));
    hub = new FakeHub();
    posts = new AtomicLong();
    new ClusterIdentity(client, "clusternet-system").ensureNamespace();
  }

  @AfterEach
  void stop() {
    child.close();
  }

  AgentOptions options(String parentUrl) throws FlagException {
    return AgentOptions.parse("--cluster-reg-parent-url", parentUrl, "--cluster-reg-token", "abcdef.0123456789abcdef",
        "--parent-ca-file", TestCa.write(dir).toString(), "--cluster-labels", "env=test",
        "--cluster-reg-namespace", "factory-1");
  }

  Registrar registrar(String parentUrl) throws FlagException {
    return new Registrar(options(parentUrl), "edge-1", hub, new CredentialStore(client, "clusternet-system"),
        Duration.ofMillis(20), TestCa.PEM, posts, () -> false);
  }

  @Test
  void pollsUntilTheHubDecidesThenStoresTheCredential() throws Exception {
    hub.createReplies.add(FakeHub.reply(ID, null, null, null));
    hub.getReplies.add(FakeHub.reply(ID, null, null, null));
    hub.getReplies.add(FakeHub.reply(ID, null, null, null));
    hub.getReplies.add(FakeHub.reply(ID, "Approved", ID + ".token", null));

    ParentCredential credential = registrar("https://hub:6443").obtain(ID);
    assertEquals(ID + ".token", credential.token());
    assertEquals("clusternet-abcde", credential.namespace());
    assertEquals("edge-1", credential.clusterName());
    assertEquals(TestCa.PEM, credential.caPem());
    assertEquals(List.of("POST " + NAME, "GET " + NAME, "GET " + NAME, "GET " + NAME), hub.calls);
    assertEquals(1, posts.get());

    V1Secret secret = new CoreV1Api(client).readNamespacedSecret("parent-cluster", "clusternet-system").execute();
    Map<String, byte[]> data = secret.getData();
    assertEquals(ID + ".token", text(data, "token"));
    assertEquals("clusternet-abcde", text(data, "namespace"));
    assertEquals("https://hub:6443", text(data, "apiserver-advertise-url"));
    assertEquals("edge-1", text(data, "cluster-name"));
    assertEquals(TestCa.PEM, text(data, "ca.crt"));

    // the next start reuses it for the same parent, and registers again for another one
    hub.calls.clear();
    assertEquals(ID + ".token", registrar("https://hub:6443/").obtain(ID).token());
    assertTrue(hub.calls.isEmpty(), hub.calls.toString());
    hub.createReplies.clear();
    hub.createReplies.add(FakeHub.reply(ID, "Approved", ID + ".other", null));
    assertEquals(ID + ".other", registrar("https://other-hub:6443").obtain(ID).token());
    assertEquals(List.of("POST " + NAME), hub.calls);
    secret = new CoreV1Api(client).readNamespacedSecret("parent-cluster", "clusternet-system").execute();
    assertEquals("https://other-hub:6443", text(secret.getData(), "apiserver-advertise-url"), "replaced");
  }

  @Test
  void theRequestCarriesClusternetsNameLabelsAndSpec() throws Exception {
    ClusterRegistrationRequest request = registrar("https://hub:6443").request(ID);
    assertEquals("clusters.clusternet.io/v1beta1", request.apiVersion());
    assertEquals("ClusterRegistrationRequest", request.kind());
    assertEquals(NAME, request.metadata().name());
    assertEquals(Map.of("clusters.clusternet.io/registered-by", "clusternet-agent",
        "clusters.clusternet.io/cluster-id", ID, "clusters.clusternet.io/cluster-name", "edge-1"),
        request.metadata().labels());
    assertEquals(new ClusterRegistrationRequest.Spec(ID, "EdgeCluster", "edge-1", "factory-1", Map.of("env", "test"),
        "Pull"), request.spec());
  }

  @Test
  void deniedOrFailedEndsRegistrationWithTheHubsMessage() throws Exception {
    hub.createReplies.add(FakeHub.reply(ID, "Denied", null, "name does not match the cluster ID"));
    RegistrationRejectedException denied = assertThrows(RegistrationRejectedException.class,
        () -> registrar("https://hub:6443").register(ID));
    assertEquals("Denied", denied.result());
    assertTrue(denied.getMessage().contains("name does not match the cluster ID"), denied.getMessage());

    hub.createReplies.clear();
    hub.createReplies.add(FakeHub.reply(ID, null, null, null));
    hub.getReplies.add(FakeHub.reply(ID, "Failed", null, "namespace factory-1 is already dedicated"));
    RegistrationRejectedException failed = assertThrows(RegistrationRejectedException.class,
        () -> registrar("https://hub:6443").register(ID));
    assertEquals("Failed", failed.result());
    assertTrue(failed.getMessage().contains("already dedicated"), failed.getMessage());
  }

  @Test
  void transientErrorsAreRetriedAndAVanishedRequestIsPostedAgain() throws Exception {
    hub.createReplies.add(new HubException(503, "ServiceUnavailable", "hub starting"));
    hub.createReplies.add(FakeHub.reply(ID, null, null, null));
    hub.createReplies.add(FakeHub.reply(ID, "Approved", ID + ".token", null));
    hub.getReplies.add(new HubException(0, null, "connection reset"));
    hub.getReplies.add(new HubException(404, "NotFound", "gone"));
    assertEquals(ID + ".token", registrar("https://hub:6443").register(ID).token());
    assertEquals(List.of("POST " + NAME, "POST " + NAME, "GET " + NAME, "GET " + NAME, "POST " + NAME), hub.calls);
    assertEquals(3, posts.get());
  }

  @Test
  void anAgentWhoseRegistrationIsDeniedTerminatesWithCode1() throws Exception {
    hub.createReplies.add(FakeHub.reply(ID, "Denied", null, "not welcome"));
    AgentOptions options = AgentOptions.parse("--cluster-reg-parent-url", "https://hub:6443", "--cluster-reg-token",
        "abcdef.0123456789abcdef", "--parent-ca-file", TestCa.write(dir).toString(),
        "--cluster-status-collect-frequency", "100ms");
    try (Agent agent = new Agent(options, client, new Agent.Timing(Duration.ofMillis(20), Duration.ofMillis(20)), hub)) {
      agent.start();
      assertEquals(1, agent.termination().get(20, TimeUnit.SECONDS));
      assertTrue(agent.failure().orElseThrow().contains("not welcome"));
      assertTrue(agent.clusterName().matches("clusternet-cluster-[a-z0-9]{5}"), agent.clusterName());
      assertEquals(agent.clusterId().orElseThrow(), new io.kubernetes.client.openapi.apis.CoordinationV1Api(client)
          .readNamespacedLease("clusternet-agent", "clusternet-system").execute().getMetadata().getUid());
    }
  }

  static String text(Map<String, byte[]> data, String key) {
    byte[] value = data.get(key);
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }
}
