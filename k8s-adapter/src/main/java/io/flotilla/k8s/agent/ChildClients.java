package io.flotilla.k8s.agent;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The client-java ApiClient for the child cluster: from a kubeconfig, or the in-cluster config. */
public final class ChildClients {
  /** Generous for big node and pod lists, short enough that a hung API server is noticed. */
  private static final int READ_TIMEOUT_MILLIS = 60_000;

  private ChildClients() {}

  public static ApiClient fromKubeconfig(Path kubeconfig) throws IOException {
    try (Reader reader = Files.newBufferedReader(kubeconfig, StandardCharsets.UTF_8)) {
      KubeConfig config = KubeConfig.loadKubeConfig(reader);
      config.setFile(kubeconfig.toFile()); // relative certificate paths resolve beside the file
      return tuned(ClientBuilder.kubeconfig(config).build());
    }
  }

  /** The service account's config, as inside a Pod (ClientBuilder.cluster()). */
  public static ApiClient inCluster() throws IOException {
    return tuned(ClientBuilder.cluster().build());
  }

  /**
   * A kubeconfig for the in-cluster service account, for tools that only read kubeconfigs
   * (helm-java): it points at the token file, so a rotated token is picked up.
   */
  public static Path writeInClusterKubeconfig(Path file) throws IOException {
    String serviceAccount = "/var/run/secrets/kubernetes.io/serviceaccount/";
    String server = "https://" + System.getenv("KUBERNETES_SERVICE_HOST") + ":"
        + System.getenv("KUBERNETES_SERVICE_PORT");
    return Files.writeString(file, String.join("\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{name: child, cluster: {server: \"" + server + "\", certificate-authority: "
            + serviceAccount + "ca.crt}}]",
        "users: [{name: agent, user: {tokenFile: " + serviceAccount + "token}}]",
        "contexts: [{name: child, context: {cluster: child, user: agent}}]",
        "current-context: child", ""));
  }

  private static ApiClient tuned(ApiClient client) {
    client.setReadTimeout(READ_TIMEOUT_MILLIS);
    return client;
  }
}
