package io.flotilla.k8s.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AgentOptionsTest {
  static final String TOKEN = "abcdef.0123456789abcdef";

  @TempDir
  static Path dir;
  static Path ca;

  @BeforeEach
  void writeCa() {
    ca = TestCa.write(dir);
  }

  static String[] required(String... more) {
    List<String> args = new ArrayList<>(List.of("--cluster-reg-parent-url", "https://hub.example:6443",
        "--cluster-reg-token", TOKEN, "--parent-ca-file", ca.toString()));
    args.addAll(Arrays.asList(more));
    return args.toArray(String[]::new);
  }

  @Test
  void everyDefaultIsClusternets() throws FlagException {
    AgentOptions o = AgentOptions.parse(required());
    assertEquals("https://hub.example:6443", o.parentUrl().toString());
    assertEquals(TOKEN, o.bootstrapToken());
    assertNull(o.clusterName());
    assertEquals("clusternet-cluster", o.clusterNamePrefix());
    assertNull(o.clusterNamespace());
    assertEquals("EdgeCluster", o.clusterType());
    assertEquals("Pull", o.syncMode());
    assertEquals(Map.of(), o.clusterLabels());
    assertEquals(Duration.ofMinutes(3), o.statusUpdateFrequency());
    assertEquals(Duration.ofSeconds(20), o.statusCollectFrequency());
    assertEquals(0.8, o.labelsAggregateThreshold());
    assertEquals(List.of("node.clusternet.io/"), o.labelsAggregatePrefixes());
    assertTrue(o.featureGates().enabled("AppPusher"));
    assertTrue(o.featureGates().enabled("SocketConnection"));
    assertFalse(o.featureGates().enabled("Deployer"));
    assertEquals(ca.toAbsolutePath(), o.parentCaFile());
    assertNull(o.kubeconfig());
    assertEquals("clusternet-system", o.namespace());
    assertFalse(o.sandbox());
    assertFalse(o.help());
    assertEquals(180, o.heartbeatFrequencySeconds());
    assertFalse(o.appPusher(), "Pull mode: the hub does not push");
    assertFalse(o.toString().contains(TOKEN), "the token never shows in toString");
  }

  @Test
  void everyFlagIsRead() throws Exception {
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\n");
    AgentOptions o = AgentOptions.parse(required("--cluster-reg-name=edge-1", "--cluster-reg-name-prefix", "plant",
        "--cluster-reg-namespace", "factory-7", "--cluster-reg-type", "StandardCluster", "--cluster-sync-mode", "Dual",
        "--cluster-labels", "env=prod, example.com/tier=gold", "--cluster-status-update-frequency", "1m30s",
        "--cluster-status-collect-frequency", "500ms", "--labels-aggregate-threshold", "1",
        "--labels-aggregate-prefix", "node.clusternet.io/", "--labels-aggregate-prefix", "topology.kubernetes.io/",
        "--feature-gates", "AppPusher=true,SocketConnection=false,Deployer=true", "--kubeconfig", kubeconfig.toString(),
        "--namespace", "agents"));
    assertEquals("edge-1", o.clusterName());
    assertEquals("plant", o.clusterNamePrefix());
    assertEquals("factory-7", o.clusterNamespace());
    assertEquals("StandardCluster", o.clusterType());
    assertEquals("Dual", o.syncMode());
    assertEquals(Map.of("env", "prod", "example.com/tier", "gold"), o.clusterLabels());
    assertEquals(Duration.ofSeconds(90), o.statusUpdateFrequency());
    assertEquals(Duration.ofMillis(500), o.statusCollectFrequency());
    assertEquals(1.0, o.labelsAggregateThreshold());
    assertEquals(List.of("node.clusternet.io/", "topology.kubernetes.io/"), o.labelsAggregatePrefixes());
    assertFalse(o.featureGates().enabled("SocketConnection"));
    assertTrue(o.featureGates().enabled("Deployer"));
    assertEquals(kubeconfig.toAbsolutePath(), o.kubeconfig());
    assertEquals("agents", o.namespace());
    assertEquals(90, o.heartbeatFrequencySeconds());
    assertFalse(o.appPusher(), "Dual without a tunnel: the hub has no way to push");
    assertTrue(o.pulls(), "so the agent pulls");
  }

  @Test
  void pushNeedsAppPusherAndSubSecondUpdatesStillBeatEverySecond() throws FlagException {
    assertEquals("Push", AgentOptions.parse(required("--cluster-sync-mode", "Push")).syncMode());
    assertEquals(1, AgentOptions.parse(required("--cluster-status-update-frequency", "500ms"))
        .heartbeatFrequencySeconds());
    AgentOptions dualWithoutPusher = AgentOptions.parse(required("--cluster-sync-mode", "Dual", "--feature-gates",
        "AppPusher=false"));
    assertFalse(dualWithoutPusher.appPusher());
    assertTrue(dualWithoutPusher.pulls(), "Dual that may not be pushed to pulls");
    AgentOptions dual = AgentOptions.parse(required("--cluster-sync-mode", "Dual"));
    assertTrue(dual.appPusher());
    assertFalse(dual.pulls(), "Dual that allows pushing leaves the deploying to the hub");
    assertFalse(AgentOptions.parse(required("--cluster-sync-mode", "Push")).pulls());
    assertTrue(AgentOptions.parse(required()).pulls(), "Pull by default");
    assertTrue(AgentOptions.parse(required("--sandbox")).sandbox());
    assertTrue(AgentOptions.parse(required("--cluster-reg-token", "eyJhbGciOi.eyJpc3MiOi.c2ln")).bootstrapToken()
        .startsWith("eyJ"));
  }

  static Stream<Arguments> badFlags() {
    return Stream.of(
        Arguments.of("--cluster-reg-parent-url", List.of("--cluster-reg-parent-url", "http://hub.example:6443")),
        Arguments.of("--cluster-reg-parent-url", List.of("--cluster-reg-parent-url", "hub.example:6443")),
        Arguments.of("--cluster-reg-token", List.of("--cluster-reg-token", "not-a-token")),
        Arguments.of("--cluster-reg-name", List.of("--cluster-reg-name", "Edge_1")),
        Arguments.of("--cluster-reg-name", List.of("--cluster-reg-name", "a".repeat(61))),
        Arguments.of("--cluster-reg-name-prefix", List.of("--cluster-reg-name-prefix", "a".repeat(55))),
        Arguments.of("--cluster-reg-namespace", List.of("--cluster-reg-namespace", "-bad")),
        Arguments.of("--cluster-reg-namespace", List.of("--cluster-reg-namespace", "n".repeat(64))),
        Arguments.of("--cluster-reg-type", List.of("--cluster-reg-type", "BigCluster")),
        Arguments.of("--cluster-sync-mode", List.of("--cluster-sync-mode", "Pushy")),
        Arguments.of("--cluster-sync-mode", List.of("--cluster-sync-mode", "Push", "--feature-gates", "AppPusher=false")),
        Arguments.of("--cluster-sync-mode", List.of("--cluster-sync-mode", "Push", "--feature-gates",
            "SocketConnection=false")),
        Arguments.of("--cluster-labels", List.of("--cluster-labels", "env")),
        Arguments.of("--cluster-labels", List.of("--cluster-labels", "env=prod,bad key=x")),
        Arguments.of("--cluster-labels", List.of("--cluster-labels", "env=not a value")),
        Arguments.of("--cluster-status-update-frequency", List.of("--cluster-status-update-frequency", "3 minutes")),
        Arguments.of("--cluster-status-update-frequency", List.of("--cluster-status-update-frequency", "0s")),
        Arguments.of("--cluster-status-collect-frequency", List.of("--cluster-status-collect-frequency", "20")),
        Arguments.of("--labels-aggregate-threshold", List.of("--labels-aggregate-threshold", "0")),
        Arguments.of("--labels-aggregate-threshold", List.of("--labels-aggregate-threshold", "1.5")),
        Arguments.of("--labels-aggregate-threshold", List.of("--labels-aggregate-threshold", "most")),
        Arguments.of("--feature-gates", List.of("--feature-gates", "Teleport=true")),
        Arguments.of("--feature-gates", List.of("--feature-gates", "AppPusher=maybe")),
        Arguments.of("--parent-ca-file", List.of("--parent-ca-file", "/no/such/ca.crt")),
        Arguments.of("--kubeconfig", List.of("--kubeconfig", "/no/such/kubeconfig")),
        Arguments.of("--namespace", List.of("--namespace", "Agents")),
        Arguments.of("--sandbox", List.of("--sandbox=perhaps")),
        Arguments.of("--no-such-flag", List.of("--no-such-flag", "x")),
        Arguments.of("--cluster-sync-mode", List.of("--cluster-sync-mode")));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badFlags")
  void aBadFlagExitsWithCode2AndAMessageNamingIt(String flag, List<String> args) {
    List<String> all = new ArrayList<>(Arrays.asList(required()));
    all.addAll(args); // later values win, as with pflag
    Result result = run(all.toArray(String[]::new));
    assertEquals(2, result.code, result.err);
    String firstLine = result.err.lines().findFirst().orElse("");
    assertTrue(firstLine.contains(flag), "'" + firstLine + "' names " + flag);
    assertTrue(result.err.contains("usage: flotilla agent"), result.err);
    assertFalse(result.err.contains(TOKEN), "the token is never printed");
  }

  @Test
  void missingRequiredFlagsAreNamed() {
    for (String flag : List.of("--cluster-reg-parent-url", "--cluster-reg-token", "--parent-ca-file")) {
      List<String> args = new ArrayList<>(Arrays.asList(required()));
      int at = args.indexOf(flag);
      args.remove(at + 1);
      args.remove(at);
      Result result = run(args.toArray(String[]::new));
      assertEquals(2, result.code);
      assertTrue(result.err.startsWith("flotilla agent: missing required flag " + flag), result.err);
    }
  }

  @Test
  void aCaFileWithoutCertificatesIsRefused() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.crt"), "hello");
    FlagException e = assertThrows(FlagException.class,
        () -> AgentOptions.parse(required("--parent-ca-file", empty.toString())));
    assertEquals("--parent-ca-file", e.flag());
  }

  @Test
  void sandboxAndKubeconfigExcludeEachOther() throws Exception {
    Path kubeconfig = Files.writeString(dir.resolve("kc"), "apiVersion: v1\n");
    FlagException e = assertThrows(FlagException.class,
        () -> AgentOptions.parse(required("--sandbox", "--kubeconfig", kubeconfig.toString())));
    assertEquals("--kubeconfig", e.flag());
  }

  @Test
  void helpDocumentsEveryFlagAndItsDefault() {
    Result result = run(new String[] {"--help"});
    assertEquals(0, result.code);
    for (AgentOptions.Flag flag : AgentOptions.FLAGS) {
      assertTrue(result.out.contains(flag.name()), flag.name());
      if (flag.defaultText() != null) {
        assertTrue(result.out.contains("(default " + flag.defaultText() + ")"), flag.name());
      }
    }
    for (String value : List.of("clusternet-cluster", "EdgeCluster", "Pull", "(default 3m)", "(default 20s)",
        "(default 0.8)", "node.clusternet.io/", "AppPusher=true,SocketConnection=true,Deployer=false",
        "clusternet-system")) {
      assertTrue(result.out.contains(value), value);
    }
  }

  @Test
  void goDurations() {
    assertEquals(Duration.ofMinutes(3), GoDuration.parse("3m"));
    assertEquals(Duration.ofSeconds(20), GoDuration.parse("20s"));
    assertEquals(Duration.ofMillis(500), GoDuration.parse("500ms"));
    assertEquals(Duration.ofMinutes(90), GoDuration.parse("1h30m"));
    assertEquals(Duration.ofMinutes(90), GoDuration.parse("1.5h"));
    assertEquals(Duration.ofNanos(1500), GoDuration.parse("1us500ns"));
    assertEquals(Duration.ofMillis(300), GoDuration.parse(".3s"));
    assertEquals(Duration.ZERO, GoDuration.parse("0"));
    for (String bad : List.of("", "3", "m", "3 m", "3min", "1h-5m", "3m ")) {
      assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(bad), bad);
    }
    assertEquals("3m", GoDuration.format(Duration.ofMinutes(3)));
    assertEquals("1h30m", GoDuration.format(Duration.ofMinutes(90)));
    assertEquals("1.5s", GoDuration.format(Duration.ofMillis(1500)));
    assertEquals("500ms", GoDuration.format(Duration.ofMillis(500)));
  }

  record Result(int code, String out, String err) {}

  static Result run(String[] args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = AgentMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
