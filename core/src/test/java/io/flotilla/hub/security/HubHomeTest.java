package io.flotilla.hub.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubHomeTest {

  private static final List<String> SECRET_FILES =
      List.of("ca.key", "serving.key", "admin-token", "bootstrap-token", "secret.key", "admin.kubeconfig");
  private static final List<String> ALL_FILES = Stream.concat(SECRET_FILES.stream(), Stream.of("ca.crt", "serving.crt"))
      .toList();
  private static final Duration KUBECTL_DEADLINE = Duration.ofSeconds(30);

  @TempDir
  Path home;

  @Test
  void firstOpenCreatesEveryFileWithOwnerOnlySecrets() throws Exception {
    HubHome hub = HubHome.open(home, 8443, List.of());

    Path dir = home.resolve("hub");
    assertEquals(dir, hub.dir());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    for (String name : ALL_FILES) {
      assertTrue(Files.isRegularFile(dir.resolve(name)), name);
    }
    for (String name : SECRET_FILES) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name))),
          name);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "temp files left behind");
    }

    assertTrue(hub.adminToken().matches("[A-Za-z0-9_-]{43}"));
    assertEquals(hub.adminToken(), Files.readString(dir.resolve("admin-token")).strip());
    assertTrue(hub.bootstrapToken().matches("[a-z0-9]{6}\\.[a-z0-9]{16}"));
    assertEquals(hub.bootstrapToken(), Files.readString(dir.resolve("bootstrap-token")).strip());
    assertEquals(32, Files.size(dir.resolve("secret.key")));
    assertEquals(dir.resolve("admin.kubeconfig"), hub.kubeconfig());
    assertArrayEquals(Files.readAllBytes(dir.resolve("ca.crt")), hub.caCertificatePemBytes());
    assertTrue(hub.caCertificatePem().startsWith("-----BEGIN CERTIFICATE-----"));

    X509Certificate ca = certificate(hub.caCertificatePemBytes());
    ca.verify(ca.getPublicKey());
    assertEquals("CN=flotilla-ca", ca.getSubjectX500Principal().getName());
    assertTrue(ca.getBasicConstraints() >= 0, "CA:true");
    assertTrue(ca.getKeyUsage()[5] && ca.getKeyUsage()[6], "keyCertSign and cRLSign");
    assertEquals("SHA256withECDSA", ca.getSigAlgName());
    assertWithinDays(ca.getNotAfter(), 3650);
  }

  @Test
  void laterOpensReuseTheSameMaterial() throws Exception {
    HubHome first = HubHome.open(home, 8443, List.of());
    List<byte[]> before = readAll(first.dir());
    HubHome second = HubHome.open(home, 8443, List.of());

    assertEquals(first.adminToken(), second.adminToken());
    assertEquals(first.bootstrapToken(), second.bootstrapToken());
    assertEquals(first.caCertificatePem(), second.caCertificatePem());
    List<byte[]> after = readAll(second.dir());
    for (int i = 0; i < ALL_FILES.size(); i++) {
      assertArrayEquals(before.get(i), after.get(i), ALL_FILES.get(i) + " changed");
    }
    assertEquals("cluster-token", second.tokenCipher().decrypt(first.tokenCipher().encrypt("cluster-token")));
  }

  @Test
  void servingCertificateIsSignedByTheCaForLocalNames() throws Exception {
    HubHome hub = HubHome.open(home, 8443, List.of("hub.example.com", "10.1.2.3"));
    X509Certificate ca = certificate(hub.caCertificatePemBytes());
    X509Certificate serving = certificate(Files.readAllBytes(hub.dir().resolve("serving.crt")));

    serving.verify(ca.getPublicKey());
    assertEquals("CN=flotilla-hub", serving.getSubjectX500Principal().getName());
    assertEquals(-1, serving.getBasicConstraints(), "not a CA");
    assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), serving.getExtendedKeyUsage(),
        "serverAuth, and clientAuth for hub nodes' mutual TLS");
    assertWithinDays(serving.getNotAfter(), 365);
    Set<String> sans = subjectAltNames(serving);
    assertTrue(sans.containsAll(Set.of("DNS:localhost", "IP:127.0.0.1", "IP:0:0:0:0:0:0:0:1",
        "DNS:hub.example.com", "IP:10.1.2.3")), sans.toString());
  }

  @Test
  void servingCertificateIsRegeneratedOnlyForMissingNamesOrNearExpiry() throws Exception {
    HubHome hub = HubHome.open(home, 8443, List.of());
    Path servingCert = hub.dir().resolve("serving.crt");
    byte[] caPem = hub.caCertificatePemBytes();
    byte[] original = Files.readAllBytes(servingCert);

    HubHome.open(home, 8443, List.of("hub.example.com", "10.1.2.3"));
    byte[] withExtras = Files.readAllBytes(servingCert);
    assertFalse(Arrays.equals(original, withExtras), "a new SAN must regenerate the certificate");
    assertTrue(subjectAltNames(certificate(withExtras)).containsAll(Set.of("DNS:hub.example.com", "IP:10.1.2.3")));

    // names already covered (case-insensitively for DNS) keep the certificate
    HubHome.open(home, 8443, List.of("HUB.example.com"));
    assertArrayEquals(withExtras, Files.readAllBytes(servingCert));

    replaceServingCertificate(hub.dir(), Duration.ofDays(60));
    byte[] expiringLater = Files.readAllBytes(servingCert);
    HubHome.open(home, 8443, List.of());
    assertArrayEquals(expiringLater, Files.readAllBytes(servingCert), "60 days left: kept");

    replaceServingCertificate(hub.dir(), Duration.ofDays(10));
    HubHome renewed = HubHome.open(home, 8443, List.of());
    X509Certificate serving = certificate(Files.readAllBytes(servingCert));
    assertWithinDays(serving.getNotAfter(), 365);
    serving.verify(certificate(caPem).getPublicKey());
    assertArrayEquals(caPem, renewed.caCertificatePemBytes(), "the CA never changes");
  }

  @Test
  void changingThePortRewritesTheKubeconfigButKeepsTheTokens() throws Exception {
    HubHome first = HubHome.open(home, 8443, List.of());
    assertTrue(Files.readString(first.kubeconfig()).contains("server: https://127.0.0.1:8443\n"));

    HubHome second = HubHome.open(home, 9443, List.of());
    String kubeconfig = Files.readString(second.kubeconfig());
    assertTrue(kubeconfig.contains("server: https://127.0.0.1:9443\n"), kubeconfig);
    assertFalse(kubeconfig.contains("8443"), kubeconfig);
    assertTrue(kubeconfig.contains("token: \"" + first.adminToken() + "\""));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(second.kubeconfig())));
    assertEquals(first.adminToken(), second.adminToken());
    assertEquals(first.bootstrapToken(), second.bootstrapToken());
    assertEquals(first.caCertificatePem(), second.caCertificatePem());
  }

  @Test
  void tlsHandshakeSucceedsOnlyWithTheHubCa() throws Exception {
    HubHome hub = HubHome.open(home, 8443, List.of());
    HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(hub.serverSslContext()));
    server.createContext("/", exchange -> {
      byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    try {
      HttpRequest request = HttpRequest.newBuilder(
              URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/healthz"))
          .timeout(Duration.ofSeconds(20)).build();

      HttpResponse<String> response = client(hub.clientSslContext())
          .send(request, HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode());
      assertEquals("ok", response.body());

      IOException rejected = assertThrows(IOException.class,
          () -> client(SSLContext.getDefault()).send(request, HttpResponse.BodyHandlers.ofString()));
      assertTrue(Stream.iterate((Throwable) rejected, t -> t != null, Throwable::getCause)
          .anyMatch(SSLHandshakeException.class::isInstance), () -> "not a handshake failure: " + rejected);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void kubectlAcceptsTheKubeconfig() throws Exception {
    Assumptions.assumeTrue(kubectlOnPath(), "no kubectl on PATH");
    HubHome hub = HubHome.open(home, 9443, List.of());

    assertEquals(hub.adminToken(), kubectlJsonPath(hub.kubeconfig(), "{.users[0].user.token}"));
    assertEquals("https://127.0.0.1:9443", kubectlJsonPath(hub.kubeconfig(), "{.clusters[0].cluster.server}"));
  }

  private static HttpClient client(SSLContext sslContext) {
    return HttpClient.newBuilder()
        .sslContext(sslContext)
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private String kubectlJsonPath(Path kubeconfig, String jsonPath) throws Exception {
    // output goes to files so a hung kubectl can't block a pipe read past the deadline
    Path out = Files.createTempFile(home, "kubectl", ".out");
    Path err = Files.createTempFile(home, "kubectl", ".err");
    Process process = new ProcessBuilder("kubectl", "--kubeconfig", kubeconfig.toString(),
        "config", "view", "--raw", "-o", "jsonpath=" + jsonPath)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
    if (!process.waitFor(KUBECTL_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("kubectl did not finish within " + KUBECTL_DEADLINE);
    }
    assertEquals(0, process.exitValue(), () -> "kubectl failed: " + readQuietly(err));
    return Files.readString(out);
  }

  private static boolean kubectlOnPath() {
    String path = System.getenv("PATH");
    return path != null && Pattern.compile(Pattern.quote(File.pathSeparator)).splitAsStream(path)
        .anyMatch(entry -> !entry.isEmpty() && Files.isExecutable(Path.of(entry, "kubectl")));
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(stderr unreadable: " + e + ")";
    }
  }

  private static List<byte[]> readAll(Path dir) throws IOException {
    List<byte[]> contents = new ArrayList<>();
    for (String name : ALL_FILES) {
      contents.add(Files.readAllBytes(dir.resolve(name)));
    }
    return contents;
  }

  private static X509Certificate certificate(byte[] pem) throws Exception {
    try (InputStream in = new ByteArrayInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static Set<String> subjectAltNames(X509Certificate cert) throws Exception {
    return cert.getSubjectAlternativeNames().stream()
        .map(entry -> ((Integer) entry.get(0) == GeneralName.iPAddress ? "IP:" : "DNS:") + entry.get(1))
        .collect(Collectors.toSet());
  }

  private static void assertWithinDays(Date notAfter, int days) {
    Duration left = Duration.between(Instant.now(), notAfter.toInstant());
    assertTrue(left.compareTo(Duration.ofDays(days - 1)) > 0 && left.compareTo(Duration.ofDays(days + 1)) < 0,
        "expected ~" + days + " days of validity, got " + left);
  }

  /** Stands in for an aging certificate: same CA, same names, but only {@code validFor} left. */
  private static void replaceServingCertificate(Path dir, Duration validFor) throws Exception {
    X509Certificate ca = certificate(Files.readAllBytes(dir.resolve("ca.crt")));
    PrivateKey caKey;
    try (PEMParser parser = new PEMParser(Files.newBufferedReader(dir.resolve("ca.key")))) {
      caKey = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) parser.readObject());
    }
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = generator.generateKeyPair();
    Instant now = Instant.now();
    X509Certificate serving = new JcaX509CertificateConverter().getCertificate(
        new JcaX509v3CertificateBuilder(ca, BigInteger.valueOf(now.toEpochMilli()),
            Date.from(now.minus(Duration.ofDays(300))), Date.from(now.plus(validFor)),
            new X500Name("CN=flotilla-hub"), keys.getPublic())
            .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")}))
            .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey)));
    writePem(dir.resolve("serving.key"), new JcaPKCS8Generator(keys.getPrivate(), null));
    writePem(dir.resolve("serving.crt"), serving);
  }

  private static void writePem(Path file, Object object) throws IOException {
    try (Writer out = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(out)) {
      pem.writeObject(object);
    }
  }
}
