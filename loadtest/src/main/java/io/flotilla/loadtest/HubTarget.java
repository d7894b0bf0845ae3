package io.flotilla.loadtest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The hub a load test talks to: an external one ({@code -Dhub=https://host:port} with
 * {@code -Dtoken}, {@code -DbootstrapToken} and {@code -Dca}, or {@code -DhubHome=<--home of
 * bin/flotilla hub>} for all three), else a {@link LocalHub} started in this JVM
 * ({@code -DhubNodes=N} nodes). Several nodes of one hub: {@code -Dhub=https://a,https://b,...}.
 *
 * @param nodeUrls the hub's nodes (the first is {@link #baseUrl()})
 * @param caPem the hub's CA certificate(s), PEM; null means trust any certificate (external hub without -Dca)
 * @param local the hub started here, closed with this target; null for an external hub
 */
public record HubTarget(List<String> nodeUrls, String adminToken, String bootstrapToken, String caPem, LocalHub local)
    implements AutoCloseable {

  public static HubTarget fromSystemProperties() throws Exception {
    String url = System.getProperty("hub", "").trim();
    if (url.isEmpty()) {
      LocalHub hub = LocalHub.start(Integer.getInteger("hubNodes", 1));
      return new HubTarget(hub.baseUrls(), hub.home().adminToken(), hub.home().bootstrapToken(),
          hub.home().caCertificatePem(), hub);
    }
    String homeDir = System.getProperty("hubHome", "").trim();
    Path home = homeDir.isEmpty() ? null : Path.of(homeDir).resolve("hub");
    String admin = property("token", home, "admin-token");
    String bootstrap = property("bootstrapToken", home, "bootstrap-token");
    String caFile = System.getProperty("ca", home == null ? "" : home.resolve("ca.crt").toString()).trim();
    String ca = caFile.isEmpty() ? null : Files.readString(Path.of(caFile), StandardCharsets.US_ASCII);
    if (ca == null) {
      // trust-all: the JDK client's host name check goes too (read when its first client is built)
      System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
    }
    List<String> nodes = Arrays.stream(url.split(",")).map(String::trim)
        .map(node -> node.endsWith("/") ? node.substring(0, node.length() - 1) : node).toList();
    return new HubTarget(nodes, admin, bootstrap, ca, null);
  }

  /** The first node: where requests that need no spreading go. */
  public String baseUrl() {
    return nodeUrls.get(0);
  }

  /** The node the i-th request or agent goes to: round robin, as a load balancer in front of them would. */
  public String nodeUrl(int i) {
    return nodeUrls.get(Math.floorMod(i, nodeUrls.size()));
  }

  private static String property(String name, Path home, String file) throws IOException {
    String value = System.getProperty(name, "").trim();
    if (value.isEmpty() && home != null) {
      value = Files.readString(home.resolve(file), StandardCharsets.US_ASCII).trim();
    }
    if (value.isEmpty()) {
      throw new IllegalArgumentException("-D" + name + " is required with -Dhub (or -DhubHome=<hub home folder>)");
    }
    return value;
  }

  public boolean trustAll() {
    return caPem == null;
  }

  /** A client TLS context trusting only the hub's CA (or anything, when no CA was given). */
  public SSLContext sslContext() throws GeneralSecurityException, IOException {
    SSLContext context = SSLContext.getInstance("TLS");
    if (trustAll()) {
      context.init(null, new TrustManager[] {new TrustAnything()}, new SecureRandom());
    } else {
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trustStore());
      context.init(null, factory.getTrustManagers(), new SecureRandom());
    }
    return context;
  }

  /**
   * Makes the JVM's default trust (javax.net.ssl.trustStore, read when a TLS context is built
   * without explicit trust, as Gatling's is when gatling.conf names no trust store) the hub's CA,
   * written to a new PKCS12 file in {@code dir}. With no CA (trust-all), Gatling itself must trust anything:
   * this checks that {@code -Dgatling.ssl.useInsecureTrustManager=true} was given.
   */
  public void installAsJvmTrust(Path dir) throws IOException, GeneralSecurityException {
    if (trustAll()) {
      if (!Boolean.getBoolean("gatling.ssl.useInsecureTrustManager")) {
        throw new IllegalArgumentException("no -Dca for " + baseUrl() + ": give the hub's ca.crt, or trust any "
            + "certificate with -Dgatling.ssl.useInsecureTrustManager=true -Dgatling.http.enableHostnameVerification=false");
      }
      return;
    }
    Files.createDirectories(dir);
    Path file = Files.createTempFile(dir, "hub-truststore-", ".p12"); // one per JVM: forks may overlap
    char[] password = "flotilla".toCharArray();
    try (OutputStream out = Files.newOutputStream(file)) {
      trustStore().store(out, password);
    }
    System.setProperty("javax.net.ssl.trustStore", file.toAbsolutePath().toString());
    System.setProperty("javax.net.ssl.trustStorePassword", new String(password));
    System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
  }

  private KeyStore trustStore() throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)));
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("no certificate in the CA file for " + baseUrl());
    }
    int i = 0;
    for (Certificate certificate : certificates) {
      store.setCertificateEntry("hub-ca-" + i++, certificate);
    }
    return store;
  }

  @Override
  public void close() throws Exception {
    if (local != null) {
      local.close();
    }
  }

  /** Only for -Dhub without -Dca, asked for explicitly. */
  private static final class TrustAnything implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
