package io.flotilla.k8s.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.Discovery;
import io.kubernetes.client.common.KubernetesType;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.Config;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import io.kubernetes.client.util.generic.options.CreateOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CustomResourceDefinitions make the sandbox serve new kinds, as kube-apiserver's apiextensions do. */
class CustomResourceDefinitionTest {

  private static final String WIDGETS = """
      {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
       "metadata": {"name": "widgets.example.com"},
       "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
                "versions": [{"name": "v1", "served": true, "storage": true,
                              "schema": {"openAPIV3Schema": {"type": "object"}},
                              "subresources": {"status": {}}}]}}
      """;

  @TempDir
  Path dir;

  private SandboxApiServer server;
  private ApiClient client;
  private DynamicKubernetesApi definitions;
  private DynamicKubernetesApi widgets;

  @BeforeEach
  void start() throws Exception {
    server = SandboxApiServer.start(0);
    client = Config.fromConfig(server.writeKubeconfig(dir.resolve("kubeconfig")).toString());
    definitions = new DynamicKubernetesApi("apiextensions.k8s.io", "v1", "customresourcedefinitions", client);
    widgets = new DynamicKubernetesApi("example.com", "v1", "widgets", client);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void definitionIsEstablishedAndItsKindDiscoverable() throws Exception {
    JsonObject created = ok(definitions.create(object(WIDGETS))).getRaw();

    List<String> established = StreamSupport.stream(
            created.getAsJsonObject("status").getAsJsonArray("conditions").spliterator(), false)
        .map(c -> c.getAsJsonObject())
        .filter(c -> c.get("status").getAsString().equals("True"))
        .map(c -> c.get("type").getAsString())
        .toList();
    assertEquals(List.of("NamesAccepted", "Established"), established);
    JsonObject acceptedNames = created.getAsJsonObject("status").getAsJsonObject("acceptedNames");
    assertEquals("Widget", acceptedNames.get("kind").getAsString());
    Discovery.APIResource widget = new Discovery(client).findAll().stream()
        .filter(r -> r.getKind().equals("Widget"))
        .findFirst().orElseThrow();
    assertEquals("example.com", widget.getGroup());
    assertEquals(List.of("v1"), widget.getVersions());
    assertEquals("widgets", widget.getResourcePlural());
    assertTrue(widget.getNamespaced());
    assertEquals(List.of("status"), widget.getSubResources());
  }

  @Test
  void customResourcesAreStoredAndListed() throws Exception {
    ok(definitions.create(object(WIDGETS)));

    ok(widgets.create("default", object("""
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3},
         "status": {"ignored": true}}
        """), new CreateOptions()));

    JsonObject stored = ok(widgets.get("default", "w1")).getRaw();
    assertEquals(3, stored.getAsJsonObject("spec").get("size").getAsInt());
    assertFalse(stored.has("status"), "with a status subresource, create ignores status");
    assertEquals(1, ok(widgets.list("default")).getItems().size());
    assertEquals(404, widgets.get("default", "w2").getHttpStatusCode());
  }

  @Test
  void deletingTheDefinitionDeletesItsResourcesAndKind() throws Exception {
    ok(definitions.create(object(WIDGETS)));
    ok(widgets.create("default", object("""
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}}
        """), new CreateOptions()));

    ok(definitions.delete("widgets.example.com"));

    assertEquals(404, widgets.list("default").getHttpStatusCode());
    assertTrue(new Discovery(client).findAll().stream().noneMatch(r -> r.getKind().equals("Widget")));
    ok(definitions.create(object(WIDGETS)));
    assertEquals(0, ok(widgets.list("default")).getItems().size(), "the old resources went with the definition");
  }

  @Test
  void definitionsKubeWouldRefuseAreInvalid() {
    KubernetesApiResponse<DynamicKubernetesObject> misnamed = definitions.create(object(
        WIDGETS.replace("\"name\": \"widgets.example.com\"", "\"name\": \"gadgets.example.com\"")));
    assertEquals(422, misnamed.getHttpStatusCode());
    assertTrue(misnamed.getStatus().getMessage().contains("must be spec.names.plural+\".\"+spec.group"),
        misnamed.getStatus().getMessage());

    KubernetesApiResponse<DynamicKubernetesObject> builtIn = definitions.create(object(
        WIDGETS.replace("\"kind\": \"Widget\"", "\"kind\": \"Pod\"")));
    assertEquals(422, builtIn.getHttpStatusCode());

    KubernetesApiResponse<DynamicKubernetesObject> builtInResource = definitions.create(object(WIDGETS
        .replace("widgets.example.com", "roles.rbac.authorization.k8s.io")
        .replace("\"group\": \"example.com\"", "\"group\": \"rbac.authorization.k8s.io\"")
        .replace("\"plural\": \"widgets\"", "\"plural\": \"roles\"")));
    assertEquals(422, builtInResource.getHttpStatusCode());
    assertTrue(builtInResource.getStatus().getMessage().contains("is a built-in resource"),
        builtInResource.getStatus().getMessage());
  }

  private static DynamicKubernetesObject object(String json) {
    return new DynamicKubernetesObject(JsonParser.parseString(json).getAsJsonObject());
  }

  private static <T extends KubernetesType> T ok(KubernetesApiResponse<T> response) {
    assertTrue(response.isSuccess(), () -> response.getHttpStatusCode() + ": " + response.getStatus());
    return response.getObject();
  }
}
