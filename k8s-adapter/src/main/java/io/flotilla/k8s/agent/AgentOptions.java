package io.flotilla.k8s.agent;

import io.flotilla.api.Status;
import io.flotilla.api.Validation;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The agent's command line, with Clusternet's flag names and defaults ({@code clusternet-agent
 * --help}). {@link #parse} validates every flag and throws a {@link FlagException} naming the first
 * bad one.
 */
public record AgentOptions(
    URI parentUrl,
    String bootstrapToken,
    String clusterName,
    String clusterNamePrefix,
    String clusterNamespace,
    String clusterType,
    String syncMode,
    Map<String, String> clusterLabels,
    Duration statusUpdateFrequency,
    Duration statusCollectFrequency,
    double labelsAggregateThreshold,
    List<String> labelsAggregatePrefixes,
    FeatureGates featureGates,
    Path parentCaFile,
    Path kubeconfig,
    String namespace,
    boolean sandbox,
    boolean help) {

  public static final String PARENT_URL = "--cluster-reg-parent-url";
  public static final String TOKEN = "--cluster-reg-token";
  public static final String NAME = "--cluster-reg-name";
  public static final String NAME_PREFIX = "--cluster-reg-name-prefix";
  public static final String REG_NAMESPACE = "--cluster-reg-namespace";
  public static final String TYPE = "--cluster-reg-type";
  public static final String SYNC_MODE = "--cluster-sync-mode";
  public static final String LABELS = "--cluster-labels";
  public static final String UPDATE_FREQUENCY = "--cluster-status-update-frequency";
  public static final String COLLECT_FREQUENCY = "--cluster-status-collect-frequency";
  public static final String AGGREGATE_THRESHOLD = "--labels-aggregate-threshold";
  public static final String AGGREGATE_PREFIX = "--labels-aggregate-prefix";
  public static final String FEATURE_GATES = "--feature-gates";
  public static final String PARENT_CA_FILE = "--parent-ca-file";
  public static final String KUBECONFIG = "--kubeconfig";
  public static final String NAMESPACE = "--namespace";
  public static final String SANDBOX = "--sandbox";
  public static final String HELP = "--help";

  public static final String DEFAULT_NAME_PREFIX = "clusternet-cluster";
  public static final String DEFAULT_TYPE = "EdgeCluster";
  public static final String DEFAULT_SYNC_MODE = "Pull";
  public static final Duration DEFAULT_UPDATE_FREQUENCY = Duration.ofMinutes(3);
  public static final Duration DEFAULT_COLLECT_FREQUENCY = Duration.ofSeconds(20);
  public static final double DEFAULT_AGGREGATE_THRESHOLD = 0.8;
  public static final String DEFAULT_AGGREGATE_PREFIX = "node.clusternet.io/";
  public static final String DEFAULT_NAMESPACE = "clusternet-system";

  public static final List<String> CLUSTER_TYPES = List.of("StandardCluster", "EdgeCluster", "EdgeClusterSelfProvisioned");
  public static final List<String> SYNC_MODES = List.of("Push", "Pull", "Dual");
  public static final int CLUSTER_NAME_MAX_LENGTH = 60;
  public static final int NAMESPACE_MAX_LENGTH = 63;
  /** Characters of the random suffix of a generated cluster name. */
  public static final int RANDOM_SUFFIX_LENGTH = 5;

  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern BOOTSTRAP_TOKEN = Pattern.compile("[a-z0-9]{6}\\.[a-z0-9]{16}");
  private static final Pattern JWT = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

  /** One flag as --help documents it. */
  record Flag(String name, String argument, String defaultText, String description) {}

  static final List<Flag> FLAGS = List.of(
      new Flag(PARENT_URL, "URL", null, "the hub (parent cluster) to register with; https only (required)"),
      new Flag(TOKEN, "TOKEN", null, "bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}) or service-account JWT used to"
          + " register; afterwards the cluster's own credential in Secret parent-cluster is used (required)"),
      new Flag(PARENT_CA_FILE, "FILE", null, "PEM file with the hub's CA certificate; the only CA trusted for"
          + " the hub (required)"),
      new Flag(NAME, "NAME", "\"\"", "cluster name to register (DNS-1123 label, at most 60 characters);"
          + " generated from " + NAME_PREFIX + " when empty"),
      new Flag(NAME_PREFIX, "PREFIX", DEFAULT_NAME_PREFIX, "prefix of a generated cluster name (prefix-xxxxx)"),
      new Flag(REG_NAMESPACE, "NAMESPACE", "\"\"", "dedicated namespace to ask the hub for (DNS-1123 label,"
          + " at most 63 characters); the hub generates one when empty"),
      new Flag(TYPE, "TYPE", DEFAULT_TYPE, "cluster type: " + String.join(" | ", CLUSTER_TYPES)),
      new Flag(SYNC_MODE, "MODE", DEFAULT_SYNC_MODE, "how applications reach this cluster: "
          + String.join(" | ", SYNC_MODES) + " (Push needs feature gate AppPusher)"),
      new Flag(LABELS, "k=v,k2=v2", "\"\"", "labels of the cluster on the hub"),
      new Flag(UPDATE_FREQUENCY, "DURATION", "3m", "how often the status is reported to the hub (Go duration:"
          + " 3m, 20s, 500ms, 1h30m); also the heartbeat the hub expects"),
      new Flag(COLLECT_FREQUENCY, "DURATION", "20s", "how often the status of this cluster is collected"),
      new Flag(AGGREGATE_THRESHOLD, "FRACTION", "0.8", "share of nodes, in (0,1], that must carry a label for"
          + " it to be copied onto the ManagedCluster"),
      new Flag(AGGREGATE_PREFIX, "PREFIX", DEFAULT_AGGREGATE_PREFIX, "prefix of node labels to aggregate"
          + " (repeat the flag for several)"),
      new Flag(FEATURE_GATES, "Gate=bool,...", "AppPusher=true,SocketConnection=true,Deployer=false",
          "feature gates; known: " + String.join(", ", FeatureGates.DEFAULTS.keySet())),
      new Flag(KUBECONFIG, "FILE", "in-cluster config", "kubeconfig of this (child) cluster"),
      new Flag(NAMESPACE, "NAMESPACE", DEFAULT_NAMESPACE, "the agent's own namespace in this cluster"
          + " (Lease clusternet-agent, Secret parent-cluster); created if absent"),
      new Flag(SANDBOX, null, "false", "start a stand-in child API server in-process (3 seeded nodes) and"
          + " manage it instead of a real cluster; prints its URL and kubeconfig"),
      new Flag(HELP, null, null, "print this help"));

  public AgentOptions {
    clusterLabels = Collections.unmodifiableMap(new LinkedHashMap<>(clusterLabels));
    labelsAggregatePrefixes = List.copyOf(labelsAggregatePrefixes);
  }

  public static String usage() {
    StringBuilder out = new StringBuilder("usage: flotilla agent " + PARENT_URL + " URL " + TOKEN + " TOKEN "
        + PARENT_CA_FILE + " FILE [flags]\n\nflags:\n");
    for (Flag flag : FLAGS) {
      out.append("  ").append(flag.name());
      if (flag.argument() != null) {
        out.append(' ').append(flag.argument());
      }
      out.append("\n      ").append(flag.description());
      if (flag.defaultText() != null) {
        out.append(" (default ").append(flag.defaultText()).append(')');
      }
      out.append('\n');
    }
    return out.toString();
  }

  /** How often the hub should expect a report, in whole seconds (at least 1). */
  public long heartbeatFrequencySeconds() {
    return Math.max(1, statusUpdateFrequency.toSeconds());
  }

  /**
   * status.appPusher: whether the hub may push to this cluster. The AppPusher gate, in a mode that
   * allows pushing, with a tunnel for the hub to push through (SocketConnection).
   */
  public boolean appPusher() {
    return featureGates.enabled(FeatureGates.APP_PUSHER) && featureGates.enabled(FeatureGates.SOCKET_CONNECTION)
        && !"Pull".equals(syncMode);
  }

  /**
   * Whether the agent deploys its Descriptions itself: in Pull mode, and in Dual mode when the hub
   * may not push (Clusternet's rule; the hub pushes to Push clusters and to Dual ones that allow it).
   */
  public boolean pulls() {
    return "Pull".equals(syncMode) || ("Dual".equals(syncMode) && !appPusher());
  }

  public static AgentOptions parse(String... args) throws FlagException {
    Map<String, String> values = new LinkedHashMap<>();
    List<String> prefixes = new ArrayList<>();
    boolean sandbox = false;
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-h") || arg.equals(HELP)) {
        help = true;
        continue;
      }
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new FlagException(arg, "unexpected argument \"" + arg + "\" (flags start with --)");
      }
      int eq = arg.indexOf('=');
      String name = eq >= 0 ? arg.substring(0, eq) : arg;
      String value = eq >= 0 ? arg.substring(eq + 1) : null;
      Flag flag = FLAGS.stream().filter(f -> f.name().equals(name)).findFirst()
          .orElseThrow(() -> new FlagException(name, "unknown flag " + name));
      if (flag.argument() == null) { // a switch: --sandbox or --sandbox=true|false
        boolean on = true;
        if (value != null) {
          if (!value.equals("true") && !value.equals("false")) {
            throw new FlagException(name, "invalid value for " + name + ": \"" + value + "\" (expected true or false)");
          }
          on = Boolean.parseBoolean(value);
        }
        if (name.equals(SANDBOX)) {
          sandbox = on;
        } else {
          help = on;
        }
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new FlagException(name, "flag needs an argument: " + name);
        }
        value = args[++i];
      }
      if (name.equals(AGGREGATE_PREFIX)) {
        prefixes.add(value);
      } else {
        values.put(name, value);
      }
    }
    if (help) {
      return new AgentOptions(null, null, null, DEFAULT_NAME_PREFIX, null, DEFAULT_TYPE, DEFAULT_SYNC_MODE, Map.of(),
          DEFAULT_UPDATE_FREQUENCY, DEFAULT_COLLECT_FREQUENCY, DEFAULT_AGGREGATE_THRESHOLD,
          List.of(DEFAULT_AGGREGATE_PREFIX), FeatureGates.defaults(), null, null, DEFAULT_NAMESPACE, sandbox, true);
    }
    return validate(values, prefixes, sandbox);
  }

  private static AgentOptions validate(Map<String, String> values, List<String> prefixes, boolean sandbox)
      throws FlagException {
    URI parentUrl = parentUrl(required(values, PARENT_URL));
    String token = required(values, TOKEN);
    if (!BOOTSTRAP_TOKEN.matcher(token).matches() && !JWT.matcher(token).matches()) {
      // never echo the token: it is a secret even when malformed
      throw new FlagException(TOKEN, "invalid value for " + TOKEN + ": expected a bootstrap token"
          + " ([a-z0-9]{6}.[a-z0-9]{16}) or a service-account JWT");
    }

    String clusterName = emptyToNull(values.get(NAME));
    if (clusterName != null) {
      dns1123Label(NAME, clusterName, CLUSTER_NAME_MAX_LENGTH);
    }
    String prefix = values.getOrDefault(NAME_PREFIX, DEFAULT_NAME_PREFIX).trim();
    if (prefix.isEmpty()) {
      throw new FlagException(NAME_PREFIX, "invalid value for " + NAME_PREFIX + ": must not be empty");
    }
    // the generated name, prefix + "-" + 5 characters, must itself be a valid cluster name
    dns1123Label(NAME_PREFIX, prefix, CLUSTER_NAME_MAX_LENGTH - RANDOM_SUFFIX_LENGTH - 1);
    String clusterNamespace = emptyToNull(values.get(REG_NAMESPACE));
    if (clusterNamespace != null) {
      dns1123Label(REG_NAMESPACE, clusterNamespace, NAMESPACE_MAX_LENGTH);
    }
    String type = oneOf(TYPE, values.getOrDefault(TYPE, DEFAULT_TYPE), CLUSTER_TYPES);

    FeatureGates gates;
    try {
      gates = FeatureGates.parse(values.get(FEATURE_GATES));
    } catch (IllegalArgumentException e) {
      throw new FlagException(FEATURE_GATES, "invalid value for " + FEATURE_GATES + ": " + e.getMessage());
    }
    String syncMode = oneOf(SYNC_MODE, values.getOrDefault(SYNC_MODE, DEFAULT_SYNC_MODE), SYNC_MODES);
    if (syncMode.equals("Push") && !gates.enabled(FeatureGates.APP_PUSHER)) {
      throw new FlagException(SYNC_MODE, "inconsistent setting: " + SYNC_MODE + " is Push while " + FEATURE_GATES
          + " disables AppPusher");
    }
    if (syncMode.equals("Push") && !gates.enabled(FeatureGates.SOCKET_CONNECTION)) {
      throw new FlagException(SYNC_MODE, "inconsistent setting: " + SYNC_MODE + " is Push while " + FEATURE_GATES
          + " disables SocketConnection (the hub pushes through the tunnel)");
    }
    Map<String, String> labels = labels(values.getOrDefault(LABELS, ""));

    Duration update = frequency(values, UPDATE_FREQUENCY, DEFAULT_UPDATE_FREQUENCY);
    Duration collect = frequency(values, COLLECT_FREQUENCY, DEFAULT_COLLECT_FREQUENCY);
    double threshold = threshold(values.get(AGGREGATE_THRESHOLD));
    if (prefixes.isEmpty()) {
      prefixes.add(DEFAULT_AGGREGATE_PREFIX);
    }
    for (String p : prefixes) {
      if (p.isBlank()) {
        throw new FlagException(AGGREGATE_PREFIX, "invalid value for " + AGGREGATE_PREFIX + ": must not be empty");
      }
    }

    Path caFile = readableFile(PARENT_CA_FILE, required(values, PARENT_CA_FILE));
    try {
      if (Pem.certificates(Files.readString(caFile)).isEmpty()) {
        throw new FlagException(PARENT_CA_FILE, "invalid value for " + PARENT_CA_FILE + ": " + caFile
            + " holds no PEM certificate");
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new FlagException(PARENT_CA_FILE, "invalid value for " + PARENT_CA_FILE + ": cannot read a PEM"
          + " certificate from " + caFile + ": " + e.getMessage());
    }
    Path kubeconfig = null;
    if (values.containsKey(KUBECONFIG)) {
      if (sandbox) {
        throw new FlagException(KUBECONFIG, KUBECONFIG + " cannot be combined with " + SANDBOX
            + " (the sandbox writes its own kubeconfig)");
      }
      kubeconfig = readableFile(KUBECONFIG, values.get(KUBECONFIG));
    }
    String namespace = values.getOrDefault(NAMESPACE, DEFAULT_NAMESPACE);
    dns1123Label(NAMESPACE, namespace, NAMESPACE_MAX_LENGTH);

    return new AgentOptions(parentUrl, token, clusterName, prefix, clusterNamespace, type, syncMode, labels, update,
        collect, threshold, prefixes, gates, caFile, kubeconfig, namespace, sandbox, false);
  }

  private static String required(Map<String, String> values, String flag) throws FlagException {
    String value = values.get(flag);
    if (value == null || value.isBlank()) {
      throw new FlagException(flag, "missing required flag " + flag);
    }
    return value.trim();
  }

  private static URI parentUrl(String text) throws FlagException {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new FlagException(PARENT_URL, "invalid value for " + PARENT_URL + ": " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("http")) {
      throw new FlagException(PARENT_URL, "invalid value for " + PARENT_URL + ": \"" + text
          + "\" is plain http; the agent sends tokens to the hub and talks to it over https only");
    }
    if (!scheme.equals("https") || uri.getHost() == null) {
      throw new FlagException(PARENT_URL, "invalid value for " + PARENT_URL + ": \"" + text
          + "\" is not an https:// URL with a host");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new FlagException(PARENT_URL, "invalid value for " + PARENT_URL + ": \"" + text
          + "\" must not carry user info, a query or a fragment");
    }
    return uri;
  }

  private static void dns1123Label(String flag, String value, int maxLength) throws FlagException {
    if (value.length() > maxLength) {
      throw new FlagException(flag, "invalid value for " + flag + ": \"" + value + "\" is longer than "
          + maxLength + " characters");
    }
    if (!DNS1123_LABEL.matcher(value).matches()) {
      throw new FlagException(flag, "invalid value for " + flag + ": \"" + value + "\" must consist of lower case"
          + " alphanumeric characters or '-', and start and end with an alphanumeric character");
    }
  }

  private static String oneOf(String flag, String value, List<String> allowed) throws FlagException {
    if (!allowed.contains(value)) {
      throw new FlagException(flag, "invalid value for " + flag + ": \"" + value + "\" (supported: "
          + String.join(", ", allowed) + ")");
    }
    return value;
  }

  static Map<String, String> labels(String text) throws FlagException {
    Map<String, String> labels = new LinkedHashMap<>();
    if (text.isBlank()) {
      return labels;
    }
    for (String item : text.split(",", -1)) {
      String entry = item.trim();
      int eq = entry.indexOf('=');
      if (eq < 0) {
        throw new FlagException(LABELS, "invalid value for " + LABELS + ": \"" + entry
            + "\" is not key=value (labels are written k=v,k2=v2)");
      }
      String key = entry.substring(0, eq).trim();
      String value = entry.substring(eq + 1).trim();
      if (labels.containsKey(key)) {
        throw new FlagException(LABELS, "invalid value for " + LABELS + ": label \"" + key + "\" is given twice");
      }
      labels.put(key, value);
    }
    List<Status.Cause> causes = new Validation().labels(LABELS, labels).causes();
    if (!causes.isEmpty()) {
      throw new FlagException(LABELS, "invalid value for " + LABELS + ": " + causes.get(0).message());
    }
    return labels;
  }

  private static Duration frequency(Map<String, String> values, String flag, Duration fallback) throws FlagException {
    String text = values.get(flag);
    if (text == null) {
      return fallback;
    }
    Duration d;
    try {
      d = GoDuration.parse(text.trim());
    } catch (IllegalArgumentException e) {
      throw new FlagException(flag, "invalid value for " + flag + ": " + e.getMessage());
    }
    if (d.isNegative() || d.isZero()) {
      throw new FlagException(flag, "invalid value for " + flag + ": \"" + text + "\" must be positive");
    }
    return d;
  }

  private static double threshold(String text) throws FlagException {
    if (text == null) {
      return DEFAULT_AGGREGATE_THRESHOLD;
    }
    double value;
    try {
      value = Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      throw new FlagException(AGGREGATE_THRESHOLD, "invalid value for " + AGGREGATE_THRESHOLD + ": \"" + text
          + "\" is not a number");
    }
    if (!(value > 0 && value <= 1)) {
      throw new FlagException(AGGREGATE_THRESHOLD, "invalid value for " + AGGREGATE_THRESHOLD + ": " + text
          + " is outside (0, 1]");
    }
    return value;
  }

  private static Path readableFile(String flag, String text) throws FlagException {
    Path path = Path.of(text.trim());
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new FlagException(flag, "invalid value for " + flag + ": " + path + " is not a readable file");
    }
    return path.toAbsolutePath();
  }

  private static String emptyToNull(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }

  /** Never prints the bootstrap token. */
  @Override
  public String toString() {
    return "AgentOptions[parentUrl=" + parentUrl + ", clusterName=" + clusterName + ", clusterNamePrefix="
        + clusterNamePrefix + ", clusterNamespace=" + clusterNamespace + ", clusterType=" + clusterType
        + ", syncMode=" + syncMode + ", clusterLabels=" + clusterLabels + ", statusUpdateFrequency="
        + GoDuration.format(statusUpdateFrequency) + ", statusCollectFrequency="
        + GoDuration.format(statusCollectFrequency) + ", labelsAggregateThreshold=" + labelsAggregateThreshold
        + ", labelsAggregatePrefixes=" + labelsAggregatePrefixes + ", featureGates=" + featureGates
        + ", parentCaFile=" + parentCaFile + ", kubeconfig=" + kubeconfig + ", namespace=" + namespace
        + ", sandbox=" + sandbox + "]";
  }
}
