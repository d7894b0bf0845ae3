package io.flotilla.k8s.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kubernetes.client.proto.IntStr;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Request bodies in Kubernetes' protobuf encoding, as typed Go clients (Helm's release storage) send them. */
class ProtobufBodiesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROTOBUF = "application/vnd.kubernetes.protobuf";
  private static final String SECRETS = "/api/v1/namespaces/default/secrets";

  private final HttpClient http = HttpClient.newHttpClient();
  private final SandboxApiServer server = SandboxApiServer.start(0);

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aSecretIsCreatedUpdatedAndDeletedWithProtobufBodies() throws Exception {
    V1.Secret secret = V1.Secret.newBuilder()
        .setMetadata(Meta.ObjectMeta.newBuilder().setName("sh.helm.release.v1.web.v1").setNamespace("default")
            .setGenerateName("").setResourceVersion("")
            .setCreationTimestamp(Meta.Time.newBuilder())  // Go's zero time: an empty message
            .putLabels("owner", "helm").putLabels("name", "web").putLabels("version", "1"))
        .putData("release", ByteString.copyFromUtf8("H4sI-payload"))
        .setType("helm.sh/release.v1")
        .build();
    HttpResponse<String> created = send("POST", SECRETS, envelope("v1", "Secret", secret));
    assertEquals(201, created.statusCode(), created.body());
    JsonNode stored = JSON.readTree(get(SECRETS + "/sh.helm.release.v1.web.v1"));
    assertEquals("Secret", stored.path("kind").asText());
    assertEquals("helm.sh/release.v1", stored.path("type").asText());
    assertEquals("SDRzSS1wYXlsb2Fk", stored.path("data").path("release").asText(), "bytes are base64 as in JSON");
    assertEquals("helm", stored.path("metadata").path("labels").path("owner").asText());
    assertFalse(stored.path("metadata").has("generateName"), "Go's empty strings are omitted");
    assertFalse(stored.path("metadata").path("creationTimestamp").asText().startsWith("1970"),
        "a zero time is absent, the server sets its own");

    // labelSelector finds it, as Helm's storage queries
    JsonNode list = JSON.readTree(get(SECRETS + "?labelSelector=owner%3Dhelm,name%3Dweb"));
    assertEquals(1, list.path("items").size());

    V1.Secret updated = secret.toBuilder()
        .setMetadata(secret.getMetadata().toBuilder()
            .setResourceVersion(stored.path("metadata").path("resourceVersion").asText())
            .putLabels("status", "superseded"))
        .build();
    HttpResponse<String> replaced = send("PUT", SECRETS + "/sh.helm.release.v1.web.v1",
        envelope("v1", "Secret", updated));
    assertEquals(200, replaced.statusCode(), replaced.body());
    assertEquals("superseded", JSON.readTree(get(SECRETS + "/sh.helm.release.v1.web.v1"))
        .path("metadata").path("labels").path("status").asText());

    Meta.DeleteOptions options = Meta.DeleteOptions.newBuilder().setPropagationPolicy("Background").build();
    HttpResponse<String> deleted = send("DELETE", SECRETS + "/sh.helm.release.v1.web.v1",
        envelope("meta.k8s.io/v1", "DeleteOptions", options));
    assertEquals(200, deleted.statusCode(), deleted.body());
    assertEquals(404, send("GET", SECRETS + "/sh.helm.release.v1.web.v1", null).statusCode());
  }

  @Test
  void kubesGoConversionsApply() throws Exception {
    V1.Service service = V1.Service.newBuilder()
        .setMetadata(Meta.ObjectMeta.newBuilder().setName("web"))
        .setSpec(V1.ServiceSpec.newBuilder()
            .addPorts(V1.ServicePort.newBuilder().setName("http").setPort(80)
                .setTargetPort(IntStr.IntOrString.newBuilder().setType(1).setStrVal("http")))
            .addPorts(V1.ServicePort.newBuilder().setName("metrics").setPort(9090)
                .setTargetPort(IntStr.IntOrString.newBuilder().setType(0).setIntVal(9091)))
            .putSelector("app", "web"))
        .build();
    HttpResponse<String> created = send("POST", "/api/v1/namespaces/default/services",
        envelope("v1", "Service", service));
    assertEquals(201, created.statusCode(), created.body());
    JsonNode ports = JSON.readTree(get("/api/v1/namespaces/default/services/web")).path("spec").path("ports");
    assertEquals("http", ports.get(0).path("targetPort").asText());
    assertTrue(ports.get(1).path("targetPort").isInt());
    assertEquals(9091, ports.get(1).path("targetPort").asInt());
  }

  @Test
  void aKindWithoutProtobufIs415AndGarbageIs400() throws Exception {
    HttpResponse<String> unknown = send("POST", SECRETS,
        envelope("example.com/v1", "Widget", Meta.ObjectMeta.newBuilder().setName("w").build()));
    assertEquals(415, unknown.statusCode(), unknown.body());
    assertEquals("UnsupportedMediaType", JSON.readTree(unknown.body()).path("reason").asText());
    assertEquals(400, send("POST", SECRETS, "not protobuf".getBytes(StandardCharsets.UTF_8)).statusCode());
    assertEquals(400, send("POST", SECRETS, new byte[] {'k', '8', 's', 0, (byte) 0xff, 0x01}).statusCode());
  }

  private static byte[] envelope(String apiVersion, String kind, Message message) throws Exception {
    Runtime.Unknown unknown = Runtime.Unknown.newBuilder()
        .setTypeMeta(Runtime.TypeMeta.newBuilder().setApiVersion(apiVersion).setKind(kind))
        .setRaw(message.toByteString())
        .setContentEncoding("").setContentType("")
        .build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {'k', '8', 's', 0});
    unknown.writeTo(out);
    return out.toByteArray();
  }

  private HttpResponse<String> send(String method, String path, byte[] body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
        .header("Accept", PROTOBUF + ", application/json");
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", PROTOBUF).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String get(String path) throws Exception {
    HttpResponse<String> response = send("GET", path, null);
    assertEquals(200, response.statusCode(), response.body());
    return response.body();
  }
}
