package io.flotilla.k8s.agent;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.List;
import java.util.Map;

/**
 * The cluster's pod and service CIDRs, found as Clusternet finds them: in the command line of the
 * control-plane pods (kube-controller-manager {@code --cluster-cidr}, else kube-proxy; kube-apiserver
 * {@code --service-cluster-ip-range}, else kube-controller-manager), else the environment variables
 * CLUSTER_CIDR and SERVICE_CIDR. {@code null} when unknown.
 */
public final class NetworkDiscovery {
  private static final List<String> COMPONENT_KEYS = List.of("component", "app.kubernetes.io/component");

  private NetworkDiscovery() {}

  public static String clusterCidr(List<V1Pod> pods, Map<String, String> env) {
    String found = fromComponents(pods, List.of("kube-controller-manager"), "--cluster-cidr");
    if (found == null) {
      found = fromPods(pods, "k8s-app", "kube-proxy", "--cluster-cidr");
    }
    return found != null ? found : blankToNull(env.get("CLUSTER_CIDR"));
  }

  public static String serviceCidr(List<V1Pod> pods, Map<String, String> env) {
    String found = fromComponents(pods, List.of("kube-apiserver", "kube-controller-manager"),
        "--service-cluster-ip-range");
    return found != null ? found : blankToNull(env.get("SERVICE_CIDR"));
  }

  private static String fromComponents(List<V1Pod> pods, List<String> components, String parameter) {
    for (String component : components) {
      for (String key : COMPONENT_KEYS) {
        String found = fromPods(pods, key, component, parameter);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private static String fromPods(List<V1Pod> pods, String labelKey, String labelValue, String parameter) {
    for (V1Pod pod : pods) {
      Map<String, String> labels = pod.getMetadata() == null ? null : pod.getMetadata().getLabels();
      if (labels == null || !labelValue.equals(labels.get(labelKey)) || pod.getSpec() == null) {
        continue;
      }
      for (V1Container container : pod.getSpec().getContainers()) {
        String found = parameter(container.getCommand(), parameter);
        if (found == null) {
          found = parameter(container.getArgs(), parameter);
        }
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** The value of {@code --name=value} among the arguments, also inside "sh -c" strings. */
  static String parameter(List<String> args, String parameter) {
    if (args == null) {
      return null;
    }
    for (String arg : args) {
      for (String word : arg.split("\\s+")) {
        if (word.startsWith(parameter + "=")) {
          return blankToNull(word.substring(parameter.length() + 1));
        }
      }
    }
    return null;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
