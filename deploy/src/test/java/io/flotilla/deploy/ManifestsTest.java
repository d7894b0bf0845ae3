package io.flotilla.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flotilla.hub.HubMain;
import io.flotilla.k8s.agent.AgentOptions;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1ClusterRole;
import io.kubernetes.client.openapi.models.V1ClusterRoleBinding;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.util.Yaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifests in deploy/kubernetes, loaded with the official Java client's YAML loader and
 * checked against each other and against the code: names, namespaces, ports, labels, flags,
 * config keys, and the RBAC the agent's calls need.
 */
class ManifestsTest {
  static final Path KUBERNETES = Path.of("kubernetes");
  static List<KubernetesObject> hub;
  static List<KubernetesObject> agent;

  @BeforeAll
  static void load() throws IOException {
    hub = loadAll(KUBERNETES.resolve("hub.yaml"));
    agent = loadAll(KUBERNETES.resolve("agent.yaml"));
  }

  static List<KubernetesObject> loadAll(Path file) throws IOException {
    return loadAll(Files.readString(file), file.toString());
  }

  /** Every document of a YAML stream (a manifest file, helm template's output), as typed objects. */
  static List<KubernetesObject> loadAll(String yaml, String origin) throws IOException {
    List<KubernetesObject> objects = new ArrayList<>();
    for (Object object : Yaml.loadAll(yaml)) {
      assertTrue(object instanceof KubernetesObject, "not a typed Kubernetes object in " + origin + ": " + object);
      objects.add((KubernetesObject) object);
    }
    return objects;
  }

  static <T extends KubernetesObject> List<T> all(List<KubernetesObject> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends KubernetesObject> T one(List<KubernetesObject> objects, Class<T> type, String name) {
    return all(objects, type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }

  static Set<String> namespaces(List<KubernetesObject> objects) {
    return objects.stream().filter(o -> o.getKind().equals("Namespace")).map(o -> o.getMetadata().getName())
        .collect(Collectors.toSet());
  }

  @Test
  void namespacedObjectsLiveInNamespacesTheFileCreates() {
    for (List<KubernetesObject> file : List.of(hub, agent)) {
      namespacedObjectsLiveInNamespacesTheFileCreates(file);
    }
  }

  static void namespacedObjectsLiveInNamespacesTheFileCreates(List<KubernetesObject> file) {
    Set<String> namespaces = namespaces(file);
    for (KubernetesObject object : file) {
      String namespace = object.getMetadata().getNamespace();
      assertTrue(namespace == null || namespaces.contains(namespace),
          object.getKind() + " " + object.getMetadata().getName() + " in unknown namespace " + namespace);
    }
  }

  @Test
  void bindingsServiceAccountsAndReferencedObjectsExist() {
    for (List<KubernetesObject> file : List.of(hub, agent)) {
      bindingsServiceAccountsAndReferencedObjectsExist(file);
    }
  }

  /** Every binding's role and subjects, every pod's service account, ConfigMaps and Secrets are in the file. */
  static void bindingsServiceAccountsAndReferencedObjectsExist(List<KubernetesObject> file) {
    for (V1RoleBinding binding : all(file, V1RoleBinding.class)) {
      one(file, V1Role.class, binding.getRoleRef().getName());
      binding.getSubjects().forEach(subject -> serviceAccountExists(file, subject));
    }
    for (V1ClusterRoleBinding binding : all(file, V1ClusterRoleBinding.class)) {
      one(file, V1ClusterRole.class, binding.getRoleRef().getName());
      binding.getSubjects().forEach(subject -> serviceAccountExists(file, subject));
    }
    for (V1PodTemplateSpec pod : podTemplates(file)) {
      String account = pod.getSpec().getServiceAccountName();
      assertNotNull(account, "pods must not run as the default service account");
      one(file, V1ServiceAccount.class, account);
      for (V1Volume volume : pod.getSpec().getVolumes()) {
        if (volume.getConfigMap() != null) {
          one(file, V1ConfigMap.class, volume.getConfigMap().getName());
        }
        if (volume.getSecret() != null && !createdByTheOperator(volume.getSecret().getSecretName())) {
          one(file, V1Secret.class, volume.getSecret().getSecretName());
        }
      }
      containers(pod).flatMap(c -> c.getEnv() == null ? Stream.empty() : c.getEnv().stream())
          .map(V1EnvVar::getValueFrom).filter(Objects::nonNull).forEach(source -> {
            if (source.getConfigMapKeyRef() != null) {
              V1ConfigMap map = one(file, V1ConfigMap.class, source.getConfigMapKeyRef().getName());
              assertTrue(map.getData().containsKey(source.getConfigMapKeyRef().getKey()));
            }
            if (source.getSecretKeyRef() != null) {
              V1Secret secret = one(file, V1Secret.class, source.getSecretKeyRef().getName());
              assertTrue(secret.getStringData().containsKey(source.getSecretKeyRef().getKey()));
            }
          });
    }
  }

  /** The hub's home Secret holds its CA and tokens: made by the operator (see hub.yaml's header), never shipped. */
  static boolean createdByTheOperator(String secret) {
    return secret.equals("flotilla-hub-home");
  }

  static void serviceAccountExists(List<KubernetesObject> file, RbacV1Subject subject) {
    assertEquals("ServiceAccount", subject.getKind());
    V1ServiceAccount account = one(file, V1ServiceAccount.class, subject.getName());
    assertEquals(account.getMetadata().getNamespace(), subject.getNamespace());
  }

  @Test
  void theHubServiceSelectsTheHubPodsOnANamedPortAndProbesUseManagementHealthChecks() {
    V1StatefulSet hubSet = one(hub, V1StatefulSet.class, "flotilla-hub");
    V1Service service = one(hub, V1Service.class, "flotilla-hub");
    Map<String, String> podLabels = hubSet.getSpec().getTemplate().getMetadata().getLabels();
    assertTrue(podLabels.entrySet().containsAll(service.getSpec().getSelector().entrySet()));
    assertEquals(hubSet.getSpec().getServiceName(), service.getMetadata().getName());
    V1Container container = hubSet.getSpec().getTemplate().getSpec().getContainers().get(0);
    Set<String> portNames = container.getPorts().stream().map(V1ContainerPort::getName).collect(Collectors.toSet());
    service.getSpec().getPorts().forEach(port -> assertTrue(portNames.contains(port.getTargetPort().getStrValue())));
    assertEquals("/ready", container.getReadinessProbe().getHttpGet().getPath());
    assertEquals("/alive", container.getLivenessProbe().getHttpGet().getPath());
    assertEquals("management", container.getReadinessProbe().getHttpGet().getPort().getStrValue());
  }

  @Test
  void theHubsArgumentsAndConfigMatchTheCode() {
    V1StatefulSet hubSet = one(hub, V1StatefulSet.class, "flotilla-hub");
    V1Container container = hubSet.getSpec().getTemplate().getSpec().getContainers().get(0);
    for (String arg : container.getArgs()) {
      if (arg.startsWith("--")) {
        assertTrue(HubMain.OPTIONS.contains(arg.substring(2).split("=")[0]), "the hub has no option " + arg);
      }
    }
    String hubConf = one(hub, V1ConfigMap.class, "flotilla-hub-config").getData().get("hub.conf");
    Config config = ConfigFactory.parseString(hubConf.replace("include classpath(\"application\")", ""))
        .resolveWith(ConfigFactory.parseMap(Map.of("POD_IP", "10.0.0.7")));
    assertTrue(ConfigFactory.defaultReference().hasPath("flotilla.hub.cluster-bootstrap"),
        "hub.conf sets a key the hub does not know");
    assertTrue(config.getBoolean("flotilla.hub.cluster-bootstrap"));
    Map<String, Integer> ports = container.getPorts().stream()
        .collect(Collectors.toMap(V1ContainerPort::getName, V1ContainerPort::getContainerPort));
    assertEquals(ports.get("management"), config.getInt("akka.management.http.port"));
    assertEquals(ports.get("remoting"), config.getInt("akka.remote.artery.canonical.port"));
    String serviceName = config.getString("akka.management.cluster.bootstrap.contact-point-discovery.service-name");
    String selector = String.format(config.getString("akka.discovery.kubernetes-api.pod-label-selector"), serviceName);
    String[] label = selector.split("=");
    assertEquals(label[1], hubSet.getSpec().getTemplate().getMetadata().getLabels().get(label[0]),
        "bootstrap would look for pods labelled " + selector);
    assertTrue(container.getEnv().stream().anyMatch(e -> e.getName().equals("FLOTILLA_JAVA_OPTS")
        && e.getValue().contains("-Dconfig.file=/etc/flotilla/hub.conf")));
  }

  @Test
  void theAgentsFlagsParseWithTheAgentsOwnParser(@TempDir Path tmp) throws Exception {
    AgentOptions options = agentOptions(one(agent, V1Deployment.class, "clusternet-agent"), tmp);
    assertFalse(options.sandbox());
  }

  /** The agent Deployment's flags as the agent's own parser reads them (which throws on a bad one). */
  static AgentOptions agentOptions(V1Deployment deployment, Path tmp) throws Exception {
    V1Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    String caFile = flag(container, "--parent-ca-file");
    assertTrue(container.getVolumeMounts().stream().anyMatch(m -> caFile.startsWith(m.getMountPath() + "/")),
        "the parent CA file is not on a mounted volume");
    assertEquals(deployment.getMetadata().getNamespace(), flag(container, "--namespace"));
    // the parser checks that the CA file is readable: give it one where the pod would have it
    Path localCa = Files.writeString(tmp.resolve("ca.crt"),
        io.flotilla.hub.security.HubHome.open(tmp.resolve("home"), 6443, List.of()).caCertificatePem());
    String[] args = container.getArgs().stream()
        .map(arg -> arg.replace("$(BOOTSTRAP_TOKEN)", "abcdef.0123456789abcdef").replace(caFile, localCa.toString()))
        .toArray(String[]::new);
    return AgentOptions.parse(args);
  }

  static String flag(V1Container container, String name) {
    return container.getArgs().stream().filter(a -> a.startsWith(name + "=")).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name)).substring(name.length() + 1);
  }

  /**
   * Every Kubernetes API call in the agent's code is allowed by its RBAC: client-java method names
   * (createNamespacedLease, listNode, ...) are read from the sources, so a new call without a
   * matching rule fails here.
   */
  @Test
  void theAgentsRbacAllowsEveryCallItsCodeMakes() throws IOException {
    Pattern call = Pattern.compile("\\.(create|read|replace|patch|delete|list)(Namespaced)?([A-Z][a-z]+)(ForAllNamespaces|Status)?\\(");
    Map<String, String> verbs = Map.of("create", "create", "read", "get", "replace", "update", "patch", "patch",
        "delete", "delete", "list", "list");
    Map<String, String> groups = Map.of("Lease", "coordination.k8s.io");
    List<String> calls = new ArrayList<>();
    try (Stream<Path> sources = Files.walk(Path.of("..", "k8s-adapter", "src", "main", "java", "io", "flotilla", "k8s", "agent"))) {
      for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = call.matcher(Files.readString(source));
        while (m.find()) {
          String kind = m.group(3);
          if (!Set.of("Lease", "Secret", "Node", "Namespace", "Pod").contains(kind)) {
            continue; // not a Kubernetes API call (e.g. a list of our own)
          }
          String resource = kind.toLowerCase() + "s";
          String group = groups.getOrDefault(kind, "");
          String verb = verbs.get(m.group(1));
          boolean namespaced = m.group(2) != null;
          calls.add(verb + " " + resource);
          assertTrue(allowed(group, resource, verb, namespaced), "RBAC does not allow " + verb + " " + resource
              + " (called in " + source.getFileName() + ")");
        }
      }
    }
    assertTrue(calls.containsAll(List.of("get leases", "create secrets", "list nodes")), "scanned: " + calls);
    V1ClusterRole role = one(agent, V1ClusterRole.class, "clusternet-agent");
    Set<String> urls = role.getRules().stream().filter(r -> r.getNonResourceURLs() != null)
        .flatMap(r -> r.getNonResourceURLs().stream()).collect(Collectors.toSet());
    assertTrue(urls.containsAll(List.of("/healthz", "/livez", "/readyz", "/version")), urls.toString());
  }

  static boolean allowed(String group, String resource, String verb, boolean namespaced) {
    Stream<V1PolicyRule> rules = one(agent, V1ClusterRole.class, "clusternet-agent").getRules().stream();
    if (namespaced) {
      rules = Stream.concat(rules, one(agent, V1Role.class, "clusternet-agent").getRules().stream());
    }
    return rules.anyMatch(rule -> rule.getApiGroups() != null && rule.getApiGroups().contains(group)
        && rule.getResources().contains(resource) && rule.getVerbs().contains(verb));
  }

  static List<V1PodTemplateSpec> podTemplates(List<KubernetesObject> file) {
    List<V1PodTemplateSpec> templates = new ArrayList<>();
    all(file, V1StatefulSet.class).forEach(s -> templates.add(s.getSpec().getTemplate()));
    all(file, V1Deployment.class).forEach(d -> templates.add(d.getSpec().getTemplate()));
    return templates;
  }

  static Stream<V1Container> containers(V1PodTemplateSpec pod) {
    return Stream.concat(pod.getSpec().getContainers().stream(),
        pod.getSpec().getInitContainers() == null ? Stream.empty() : pod.getSpec().getInitContainers().stream());
  }
}
