package io.flotilla.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flotilla.api.Json;
import io.flotilla.api.ResourceType;
import io.flotilla.hub.HubMain;
import io.flotilla.hub.objects.Kinds;
import io.flotilla.hub.objects.ObjectKind;
import io.flotilla.k8s.agent.Pem;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Applies a folder of manifests (files in name order, as `kubectl apply -f DIR` does) to the hub
 * through its API with the admin token; an object that exists already is left as it is, so a
 * restarted demo applies nothing twice.
 */
final class ExampleApp {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper SORTED = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  private ExampleApp() {}

  /** What was done, one line (failures name the object and the hub's answer; they do not stop the demo). */
  static String apply(Path dir, HubMain.Started hub) throws IOException, InterruptedException {
    List<ResourceType> types = Kinds.all(hub.home().tokenCipher()).stream().map(ObjectKind::type).toList();
    HttpClient http = HttpClient.newBuilder().sslContext(Pem.trusting(hub.home().caCertificatePem())).build();
    List<String> outcomes = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> listed = Files.list(dir)) {
      files = listed.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    for (Path file : files) {
      for (JsonNode object : YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile()).readAll()) {
        String name = object.path("kind").asText() + " " + object.path("metadata").path("name").asText();
        ResourceType type = types.stream().filter(t -> t.groupVersion().equals(object.path("apiVersion").asText())
            && t.kind().equals(object.path("kind").asText())).findFirst().orElse(null);
        if (type == null) {
          outcomes.add(name + ": no such kind on the hub");
          continue;
        }
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(
                "https://127.0.0.1:" + hub.hub().port() + collectionPath(type, object)))
            .header("Authorization", "Bearer " + hub.home().adminToken())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(asApplied((ObjectNode) object)))).build(),
            HttpResponse.BodyHandlers.ofString());
        outcomes.add(name + (response.statusCode() == 201 ? " created"
            : response.statusCode() == 409 ? " unchanged" : ": HTTP " + response.statusCode() + " " + response.body()));
      }
    }
    return dir + ": " + String.join(", ", outcomes);
  }

  /**
   * The object with the annotation `kubectl apply` keeps (the applied configuration as compact JSON
   * with sorted keys, as kubectl writes it), so a later `kubectl apply -f` of the same files finds
   * nothing to change.
   */
  private static ObjectNode asApplied(ObjectNode object) throws IOException {
    ObjectNode applied = object.deepCopy();
    ObjectNode metadata = applied.has("metadata") ? (ObjectNode) applied.get("metadata") : applied.putObject("metadata");
    ObjectNode annotations = metadata.has("annotations") ? (ObjectNode) metadata.get("annotations")
        : metadata.putObject("annotations"); // kubectl's copy has the (maybe empty) annotations too
    String configuration = SORTED.writeValueAsString(SORTED.treeToValue(applied, Object.class)) + "\n";
    annotations.put(LAST_APPLIED, configuration);
    return applied;
  }

  private static String collectionPath(ResourceType type, JsonNode object) {
    String root = type.group().isEmpty() ? "/api/" + type.version() : "/apis/" + type.groupVersion();
    String namespace = object.path("metadata").path("namespace").asText("default");
    return root + (type.namespaced() ? "/namespaces/" + namespace : "") + "/" + type.plural();
  }
}
