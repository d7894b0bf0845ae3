package io.flotilla.k8s.agent;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's feature gates, set with {@code --feature-gates AppPusher=true,SocketConnection=false}.
 * Only known gates are accepted, as Kubernetes components do.
 */
public record FeatureGates(Map<String, Boolean> gates) {
  public static final String APP_PUSHER = "AppPusher";
  public static final String SOCKET_CONNECTION = "SocketConnection";
  public static final String DEPLOYER = "Deployer";
  /** Re-applies deployed Descriptions at every resync, undoing edits and deletions made in the child. */
  public static final String RECOVERY = "Recovery";

  /** Known gates and their defaults, in the order --help lists them. */
  public static final Map<String, Boolean> DEFAULTS;

  static {
    Map<String, Boolean> defaults = new LinkedHashMap<>();
    defaults.put(APP_PUSHER, true);
    defaults.put(SOCKET_CONNECTION, true);
    defaults.put(DEPLOYER, false);
    defaults.put(RECOVERY, false);
    DEFAULTS = Collections.unmodifiableMap(defaults);
  }

  public FeatureGates {
    gates = Collections.unmodifiableMap(new LinkedHashMap<>(gates));
  }

  public static FeatureGates defaults() {
    return new FeatureGates(DEFAULTS);
  }

  /**
   * Parses {@code Name=bool,Name=bool}; empty text means the defaults.
   *
   * @throws IllegalArgumentException for an unknown gate, a missing '=' or a value other than true/false
   */
  public static FeatureGates parse(String text) {
    Map<String, Boolean> gates = new LinkedHashMap<>(DEFAULTS);
    if (text == null || text.isBlank()) {
      return new FeatureGates(gates);
    }
    for (String item : text.split(",")) {
      String entry = item.trim();
      if (entry.isEmpty()) {
        continue;
      }
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("missing bool value for \"" + entry + "\" (expected Name=true|false)");
      }
      String name = entry.substring(0, eq).trim();
      String value = entry.substring(eq + 1).trim();
      if (!DEFAULTS.containsKey(name)) {
        throw new IllegalArgumentException("unrecognized feature gate: " + name + " (known: "
            + String.join(", ", DEFAULTS.keySet()) + ")");
      }
      if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
        throw new IllegalArgumentException("invalid value of " + name + "=" + value + ", expected true or false");
      }
      gates.put(name, Boolean.parseBoolean(value.toLowerCase()));
    }
    return new FeatureGates(gates);
  }

  public boolean enabled(String gate) {
    Boolean value = gates.get(gate);
    if (value == null) {
      throw new IllegalArgumentException("unknown feature gate " + gate);
    }
    return value;
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    gates.forEach((k, v) -> out.append(out.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return out.toString();
  }
}
