package io.flotilla.k8s.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real kubectl against the sandbox: the machine's dispatcher (which picks kubectl.1.30 from the server's
 * /version) and kubectl 1.27 from the same folder, as the oldest client the project supports.
 */
class KubectlTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ResourceType PODS = ResourceType.byKind("Pod").orElseThrow();
  private static final ResourceType DEPLOYMENTS = ResourceType.byKind("Deployment").orElseThrow();
  private static final ResourceType NAMESPACES = ResourceType.byKind("Namespace").orElseThrow();
  private static final Duration WATCH_TIMEOUT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private SandboxApiServer server;

  static Stream<String> kubectls() {
    return Stream.of("kubectl", "kubectl.1.27");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @ParameterizedTest
  @MethodSource("kubectls")
  void getNodesListsTheSeededNodes(String name) throws Exception {
    String out = kubectl(name).ok("get", "nodes");
    for (int i = 0; i < 3; i++) {
      assertTrue(out.lines().anyMatch(l -> l.matches("sandbox-node-\\d\\s+Ready\\s+<none>\\s+\\S+\\s+v1\\.30\\.2")), out);
      assertTrue(out.contains("sandbox-node-" + i), out);
    }
  }

  @ParameterizedTest
  @MethodSource("kubectls")
  void applyIsIdempotentAndMergesContainersByName(String name) throws Exception {
    Kubectl kubectl = kubectl(name);
    Path app = copyApp();
    String created = kubectl.ok("apply", "-f", app.toString());
    assertLines(created, "namespace/demo created", "deployment.apps/web created", "service/web created");
    String again = kubectl.ok("apply", "-f", app.toString());
    assertLines(again, "namespace/demo unchanged", "deployment.apps/web unchanged", "service/web unchanged");

    Path deployment = app.resolve("deployment.yaml");
    Files.writeString(deployment, Files.readString(deployment).replace("nginx:1.25", "nginx:1.27"));
    String changed = kubectl.ok("apply", "-f", app.toString());
    assertLines(changed, "namespace/demo unchanged", "deployment.apps/web configured", "service/web unchanged");

    ObjectNode stored = server.store().get(DEPLOYMENTS, "demo", "web");
    JsonNode containers = stored.path("spec").path("template").path("spec").path("containers");
    assertEquals(List.of("nginx", "sidecar"), values(containers, "name"));
    assertEquals(List.of("nginx:1.27", "busybox:1.36"), values(containers, "image"));
    assertEquals("demo", containers.get(0).path("env").get(0).path("value").asText());
    assertEquals(2, stored.path("metadata").path("generation").asInt());
  }

  @ParameterizedTest
  @MethodSource("kubectls")
  void labelAndYamlRoundTrip(String name) throws Exception {
    Kubectl kubectl = kubectl(name);
    kubectl.ok("apply", "-f", copyApp().toString());
    assertTrue(kubectl.ok("label", "deploy", "web", "-n", "demo", "tier=edge").contains("deployment.apps/web labeled"));
    assertEquals("edge", KubeObjects.label(server.store().get(DEPLOYMENTS, "demo", "web"), "tier"));

    String yaml = kubectl.ok("get", "deploy", "web", "-n", "demo", "-o", "yaml");
    ObjectNode stored = server.store().get(DEPLOYMENTS, "demo", "web");
    assertEquals(JSON.readTree(JSON.writeValueAsString(stored)), new YAMLMapper().readTree(yaml));

    // kubectl replace rewrites the last-applied annotation: a write, but not a spec change
    Path file = Files.writeString(dir.resolve("web.yaml"), yaml);
    assertTrue(kubectl.ok("replace", "-f", file.toString()).contains("deployment.apps/web replaced"));
    ObjectNode replaced = server.store().get(DEPLOYMENTS, "demo", "web");
    assertEquals(stored.get("spec"), replaced.get("spec"));
    assertEquals(stored.path("metadata").get("generation"), replaced.path("metadata").get("generation"));
  }

  @ParameterizedTest
  @MethodSource("kubectls")
  void watchSeesPodsCreatedMeanwhile(String name) throws Exception {
    Kubectl kubectl = kubectl(name);
    server.store().create(PODS, "default", pod("first"), false);
    try (Kubectl.Background watch = kubectl.start("get", "pods", "-w")) {
      Poll.until(WATCH_TIMEOUT, () -> output(watch).contains("first"), () -> output(watch));
      server.store().create(PODS, "default", pod("second"), false);
      Poll.until(WATCH_TIMEOUT, () -> output(watch).lines().anyMatch(l -> l.startsWith("second ") && l.contains("Pending")),
          () -> output(watch));
    }
  }

  @ParameterizedTest
  @MethodSource("kubectls")
  void deleteRemovesWhatApplyCreated(String name) throws Exception {
    Kubectl kubectl = kubectl(name);
    Path app = copyApp();
    kubectl.ok("apply", "-f", app.toString());
    // the namespace goes first: like kube, it only terminates then, so the deletes after it still find their objects
    String deleted = kubectl.ok("delete", "-f", app.toString());
    assertLines(deleted, "namespace \"demo\" deleted", "deployment.apps \"web\" deleted", "service \"web\" deleted");
    Kubectl.Result get = kubectl.run("get", "-f", app.toString());
    assertNotEquals(0, get.exitCode(), get.toString());
    assertTrue(get.err().contains("NotFound"), get.toString());
    assertTrue(server.store().list(Filter.of(NAMESPACES, null, null, null), 0, null).items().stream()
        .noneMatch(ns -> KubeObjects.name(ns).equals("demo")), "kubectl waited for the namespace to go");
  }

  private Kubectl kubectl(String name) {
    Optional<Path> binary = Kubectl.find(name);
    assumeTrue(binary.isPresent(), name.equals("kubectl")
        ? "no kubectl on PATH: skipping the kubectl compatibility tests"
        : name + " is not next to the kubectl on PATH: skipping the tests with that version");
    server = SandboxApiServer.startSeeded(0, 3);
    return new Kubectl(binary.get(), server.writeKubeconfig(dir.resolve("kubeconfig")), dir);
  }

  /** The test app (a Namespace, a two-container Deployment, a Service) in a scratch folder kubectl can apply. */
  private Path copyApp() throws Exception {
    Path source = Path.of(KubectlTest.class.getResource("/sandbox/app").toURI());
    Path target = Files.createDirectories(dir.resolve("app"));
    try (Stream<Path> files = Files.list(source)) {
      for (Path file : files.toList()) {
        Files.copy(file, target.resolve(file.getFileName().toString()));
      }
    }
    return target;
  }

  private static ObjectNode pod(String name) throws IOException {
    return (ObjectNode) JSON.readTree("""
        {"metadata": {"name": "%s"}, "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}
        """.formatted(name));
  }

  private static void assertLines(String output, String... expected) {
    assertEquals(List.of(expected), output.lines().toList(), output);
  }

  private static List<String> values(JsonNode list, String field) {
    return StreamSupport.stream(list.spliterator(), false).map(e -> e.path(field).asText()).toList();
  }

  private static String output(Kubectl.Background background) {
    try {
      return background.output();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
