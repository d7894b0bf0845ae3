package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.HubExtension;
import io.flotilla.hub.Kubectl;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Bootstrap tokens as kube-system Secrets (Clusternet's cluster_bootstrap_token.yaml): apply, register, expire, revoke. */
class BootstrapTokenSecretsTest {
  @RegisterExtension
  @Order(1)
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();
  @RegisterExtension
  @Order(2)
  static final HubExtension hub = new HubExtension(cassandra);

  static final String SECRETS = "/api/v1/namespaces/kube-system/secrets";
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir
  Path dir;

  /** Clusternet's sample, with this id, secret and extra fields. */
  static String sample(String id, String secret, String extra) {
    return """
        apiVersion: v1
        kind: Secret
        metadata:
          name: bootstrap-token-%s
          namespace: kube-system
        type: bootstrap.kubernetes.io/token
        stringData:
          description: "The bootstrap token used by clusternet cluster registration."
          token-id: %s
          token-secret: %s
          usage-bootstrap-authentication: "true"
          auth-extra-groups: system:bootstrappers:clusternet:register-cluster-token
        %s""".formatted(id, id, secret, extra);
  }

  HubClient.Reply register(String token) {
    return hub.client().register(token, Map.of());
  }

  @Test
  void aSecretAppliedWithKubectlIsABootstrapTokenUntilItIsDeleted() throws Exception {
    Kubectl kubectl = Kubectl.require("PATH");
    Path manifest = Files.writeString(dir.resolve("token.yaml"), sample("07401b", "f395accd246ae52d", ""));
    Kubectl.Result applied = kubectl.run(hub.home().kubeconfig(), "apply", "-f", manifest.toString());
    assertEquals(0, applied.exitCode(), applied.err());

    assertEquals(401, register("07401b.0000000000000000").code(), "wrong secret");
    HubClient.Reply registered = register("07401b.f395accd246ae52d");
    assertEquals(201, registered.code(), registered.body());
    JsonNode crr = registered.json();
    String clusterToken = crr.at("/status/token").asText();

    Kubectl.Result deleted = kubectl.run(hub.home().kubeconfig(), "delete", "-f", manifest.toString());
    assertEquals(0, deleted.exitCode(), deleted.err());
    assertEquals(401, register("07401b.f395accd246ae52d").code(), "revoked with its Secret");
    assertEquals(200, hub.client().get(HubClient.managedClusterPath(crr), clusterToken).code(),
        "a cluster registered with it keeps working");
    assertEquals(201, register(hub.home().bootstrapToken()).code(), "the hub's own token is unaffected");
  }

  @Test
  void expiredUnusableOrMistypedSecretsAreNotTokens() throws Exception {
    String future = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString();
    String past = Instant.now().minus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).toString();
    create(sample("aaaaaa", "aaaaaaaaaaaaaaaa", "  expiration: \"" + future + "\""));
    create(sample("bbbbbb", "bbbbbbbbbbbbbbbb", "  expiration: \"" + past + "\""));
    create(sample("cccccc", "cccccccccccccccc", "").replace("usage-bootstrap-authentication: \"true\"",
        "usage-bootstrap-authentication: \"false\""));
    create(sample("dddddd", "dddddddddddddddd", "").replace("type: bootstrap.kubernetes.io/token", "type: Opaque"));
    create(sample("eeeeee", "eeeeeeeeeeeeeeee", "  expiration: \"tomorrow\""));

    assertEquals(201, register("aaaaaa.aaaaaaaaaaaaaaaa").code(), "not yet expired");
    assertEquals(401, register("bbbbbb.bbbbbbbbbbbbbbbb").code(), "expired");
    assertEquals(401, register("cccccc.cccccccccccccccc").code(), "not for authentication");
    assertEquals(401, register("dddddd.dddddddddddddddd").code(), "not a bootstrap token Secret");
    assertEquals(401, register("eeeeee.eeeeeeeeeeeeeeee").code(), "unparsable expiration counts as expired");
    assertEquals(401, register("ffffff.ffffffffffffffff").code(), "no such Secret");
  }

  void create(String yaml) throws Exception {
    JsonNode secret = YAML.readTree(yaml);
    HubClient.Reply created = hub.client().post(SECRETS, hub.home().adminToken(), secret);
    assertEquals(201, created.code(), created.body());
  }
}
