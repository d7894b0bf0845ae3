package io.flotilla.k8s.agent;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Secret;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Secret {@code parent-cluster} in the agent's namespace, as Clusternet's agent keeps it: keys
 * {@code ca.crt}, {@code token}, {@code namespace}, {@code apiserver-advertise-url}, plus
 * {@code cluster-name} (the ManagedCluster's name).
 */
public final class CredentialStore {
  public static final String SECRET_NAME = "parent-cluster";
  public static final String CA_KEY = "ca.crt";
  public static final String TOKEN_KEY = "token";
  public static final String NAMESPACE_KEY = "namespace";
  public static final String URL_KEY = "apiserver-advertise-url";
  public static final String CLUSTER_NAME_KEY = "cluster-name";

  private final CoreV1Api core;
  private final String namespace;

  public CredentialStore(ApiClient child, String namespace) {
    this.core = new CoreV1Api(child);
    this.namespace = namespace;
  }

  /** The stored credential, if there is a complete one for {@code parentUrl}. */
  public Optional<ParentCredential> load(URI parentUrl) throws ApiException {
    V1Secret secret;
    try {
      secret = core.readNamespacedSecret(SECRET_NAME, namespace).execute();
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        return Optional.empty();
      }
      throw e;
    }
    Map<String, byte[]> data = secret.getData() == null ? Map.of() : secret.getData();
    String url = text(data, URL_KEY);
    String token = text(data, TOKEN_KEY);
    String dedicated = text(data, NAMESPACE_KEY);
    String name = text(data, CLUSTER_NAME_KEY);
    if (url == null || !sameUrl(url, parentUrl) || token == null || dedicated == null || name == null) {
      return Optional.empty();
    }
    return Optional.of(new ParentCredential(parentUrl, token, dedicated, name, text(data, CA_KEY)));
  }

  /** What the stored Secret says about its parent URL, for logs ({@code null} when absent). */
  public String storedParentUrl() throws ApiException {
    try {
      V1Secret secret = core.readNamespacedSecret(SECRET_NAME, namespace).execute();
      return secret.getData() == null ? null : text(secret.getData(), URL_KEY);
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  /** Creates the Secret, or replaces it when it exists. */
  public void save(ParentCredential credential) throws ApiException {
    Map<String, byte[]> data = new LinkedHashMap<>();
    if (credential.caPem() != null) {
      data.put(CA_KEY, bytes(credential.caPem()));
    }
    data.put(TOKEN_KEY, bytes(credential.token()));
    data.put(NAMESPACE_KEY, bytes(credential.namespace()));
    data.put(URL_KEY, bytes(credential.parentUrl().toString()));
    data.put(CLUSTER_NAME_KEY, bytes(credential.clusterName()));
    V1Secret secret = new V1Secret().apiVersion("v1").kind("Secret").type("Opaque")
        .metadata(new V1ObjectMeta().name(SECRET_NAME).namespace(namespace)
            .putLabelsItem("app.kubernetes.io/managed-by", "clusternet-agent"))
        .data(data);
    try {
      core.createNamespacedSecret(namespace, secret).execute();
    } catch (ApiException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      V1Secret existing = core.readNamespacedSecret(SECRET_NAME, namespace).execute();
      secret.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      core.replaceNamespacedSecret(SECRET_NAME, namespace, secret).execute();
    }
  }

  private static boolean sameUrl(String stored, URI current) {
    return strip(stored).equals(strip(current.toString()));
  }

  private static String strip(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static String text(Map<String, byte[]> data, String key) {
    byte[] value = data.get(key);
    return value == null || value.length == 0 ? null : new String(value, StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }
}
