package io.flotilla.hub.objects;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.TestProbe;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.hub.Hub;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.TestHubs;
import io.flotilla.hub.security.HubHome;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Objects survive a new ActorSystem on the same keyspace: identity, versions, labels, secrets, lists. */
class ObjectRestartTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  // HelmCharts: stored objects no controller writes to unless a Subscription uses them
  static final String CHARTS = "/apis/apps.clusternet.io/v1alpha1/namespaces/default/helmcharts";
  static final String SECRETS = "/api/v1/namespaces/default/secrets";

  @TempDir
  Path home;

  @Test
  void objectsAndTheirVersionsSurviveARestart() throws Exception {
    HubHome hubHome = HubHome.open(home, 6443, List.of());
    JsonNode before;
    try (Hub hub = Hub.start(TestHubs.config(cassandra), hubHome)) {
      HubClient client = new HubClient(hubHome.clientSslContext(), hub.port());
      ObjectNode chart = (ObjectNode) Json.parse(("{'apiVersion':'apps.clusternet.io/v1alpha1','kind':'HelmChart',"
          + "'metadata':{'name':'app-demo'},'spec':{'repo':'https://charts.example.com','chart':'web',"
          + "'version':'1.0.0','targetNamespace':'web'}}").replace('\'', '"')
          .getBytes(StandardCharsets.UTF_8));
      assertEquals(201, client.post(CHARTS, hubHome.adminToken(), chart).code());
      HubClient.Reply labeled = client.mergePatch(CHARTS + "/app-demo", hubHome.adminToken(),
          "{\"metadata\":{\"labels\":{\"tier\":\"edge\"}}}");
      assertEquals(200, labeled.code(), labeled.body());
      before = labeled.json();
      ObjectNode secret = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Secret");
      secret.putObject("metadata").put("name", "db");
      secret.putObject("data").put("password", "aHVudGVyMg==");
      assertEquals(201, client.post(SECRETS, hubHome.adminToken(), secret).code());
    }

    try (Hub hub = Hub.start(TestHubs.config(cassandra), HubHome.open(home, 6443, List.of()))) {
      HubClient client = new HubClient(hubHome.clientSslContext(), hub.port());
      JsonNode after = client.get(CHARTS + "/app-demo", hubHome.adminToken()).json();
      assertEquals(before, after);
      assertEquals("2", after.at("/metadata/resourceVersion").asText());
      assertEquals("aHVudGVyMg==", client.get(SECRETS + "/db", hubHome.adminToken()).text("/data/password"));

      ObjectNode update = after.deepCopy();
      ((ObjectNode) update.get("spec")).put("version", "1.1.0");
      HubClient.Reply updated = client.put(CHARTS + "/app-demo", hubHome.adminToken(), update);
      assertEquals(200, updated.code(), updated.body());
      assertEquals("3", updated.text("/metadata/resourceVersion"));
      assertEquals(2, updated.json().at("/metadata/generation").asLong());
      TestProbe.create(hub.system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
        JsonNode list = client.get(CHARTS, hubHome.adminToken()).json();
        assertEquals("1.1.0", list.at("/items/0/spec/version").asText(), list.toString());
        return null;
      });
    }
  }
}
