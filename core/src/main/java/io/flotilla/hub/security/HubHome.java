package io.flotilla.hub.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's first-start material under {@code <home>/hub/}: a private CA, the HTTPS serving
 * certificate it signs, the admin and bootstrap tokens, the key that encrypts per-cluster tokens at
 * rest, and an admin kubeconfig. Each file is created only when missing, so later starts reuse the
 * same identity and credentials; only the serving certificate (near expiry, or missing a requested
 * SAN) and the kubeconfig (port or credentials changed) are ever rewritten.
 *
 * <p>Requires a POSIX file system: secrets are only safe on disk with owner-only permissions.
 */
public final class HubHome {

  private static final Logger log = LoggerFactory.getLogger(HubHome.class);

  private static final String CA_CERT = "ca.crt";
  private static final String CA_KEY = "ca.key";
  private static final String SERVING_CERT = "serving.crt";
  private static final String SERVING_KEY = "serving.key";
  private static final String ADMIN_TOKEN = "admin-token";
  private static final String BOOTSTRAP_TOKEN = "bootstrap-token";
  private static final String VIEWER_TOKEN = "viewer-token";
  private static final String SECRET_KEY = "secret.key";
  private static final String KUBECONFIG = "admin.kubeconfig";
  private static final String VIEWER_KUBECONFIG = "viewer.kubeconfig";
  private static final String LOCK = ".lock";
  private static final String REMOTING_KEY_STORE = "remoting-keystore.p12";
  private static final String REMOTING_TRUST_STORE = "remoting-truststore.p12";
  private static final String REMOTING_PASSWORD = "remoting-keystore-password";

  private static final Set<PosixFilePermission> DIR_PERMISSIONS = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> SECRET_PERMISSIONS = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> PUBLIC_PERMISSIONS = PosixFilePermissions.fromString("rw-r--r--");

  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  private static final Duration SERVING_VALIDITY = Duration.ofDays(365);
  private static final Duration RENEW_BEFORE_EXPIRY = Duration.ofDays(30);
  /** Certificates start slightly in the past so peers with a lagging clock still accept them. */
  private static final Duration CLOCK_SKEW = Duration.ofHours(1);

  private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
  private static final Pattern BOOTSTRAP_TOKEN_SHAPE = Pattern.compile("[a-z0-9]{6}\\.[a-z0-9]{16}");
  /** Never leaves this process: the PKCS12 stores backing the SSLContexts exist only in memory. */
  private static final char[] IN_MEMORY_KEYSTORE_PASSWORD = "flotilla".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  /** FileLock excludes other processes but not other threads of this JVM (it throws instead), hence both. */
  private static final Object JVM_LOCK = new Object();

  private final Path dir;
  private final String adminToken;
  private final String bootstrapToken;
  private final String viewerToken;
  private final byte[] caCertificatePem;
  private final TokenCipher tokenCipher;
  private final Path kubeconfig;
  private final SSLContext serverSslContext;
  private final SSLContext clientSslContext;
  private final RemotingTls remotingTls;

  /**
   * The stores Akka's remoting (Artery tls-tcp) uses between hub nodes: this home's serving key and
   * certificate, trusting only the hub CA, so only nodes sharing the home's CA join.
   */
  public record RemotingTls(Path keyStore, Path trustStore, String password) {}

  private HubHome(Path dir, String adminToken, String bootstrapToken, String viewerToken, byte[] caCertificatePem,
          TokenCipher tokenCipher, SSLContext serverSslContext, SSLContext clientSslContext, RemotingTls remotingTls) {
    this.remotingTls = remotingTls;
    this.dir = dir;
    this.adminToken = adminToken;
    this.bootstrapToken = bootstrapToken;
    this.viewerToken = viewerToken;
    this.caCertificatePem = caCertificatePem;
    this.tokenCipher = tokenCipher;
    this.kubeconfig = dir.resolve(KUBECONFIG);
    this.serverSslContext = serverSslContext;
    this.clientSslContext = clientSslContext;
  }

  /**
   * Loads {@code <home>/hub/}, creating whatever is missing.
   *
   * @param port                  the hub's HTTPS port, written into the admin kubeconfig
   * @param extraSubjectAltNames  additional DNS names or IP literals the serving certificate must cover
   */
  public static HubHome open(Path home, int port, List<String> extraSubjectAltNames) throws IOException {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    Set<San> requiredSans = new LinkedHashSet<>();
    for (String name : extraSubjectAltNames) {
      requiredSans.add(San.parse(name));
    }
    Path dir = home.resolve("hub");
    synchronized (JVM_LOCK) {
      createPrivateDirectory(home, dir);
      // another hub process sharing this home must not generate a competing CA or tokens concurrently
      try (FileChannel lockChannel = FileChannel.open(dir.resolve(LOCK), Set.of(StandardOpenOption.CREATE,
          StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(SECRET_PERMISSIONS))) {
        lockChannel.lock(); // released when the channel closes
        return load(dir, port, requiredSans);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot set up the hub's certificates in " + dir, e);
      }
    }
  }

  public Path dir() {
    return dir;
  }

  public RemotingTls remotingTls() {
    return remotingTls;
  }

  public String adminToken() {
    return adminToken;
  }

  public String bootstrapToken() {
    return bootstrapToken;
  }

  /** The read-only token (viewer.kubeconfig carries it): for dashboards and observers. */
  public String viewerToken() {
    return viewerToken;
  }

  public String caCertificatePem() {
    return new String(caCertificatePem, StandardCharsets.US_ASCII);
  }

  public byte[] caCertificatePemBytes() {
    return caCertificatePem.clone();
  }

  public TokenCipher tokenCipher() {
    return tokenCipher;
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  /** TLS server context presenting the serving certificate together with its CA. */
  public SSLContext serverSslContext() {
    return serverSslContext;
  }

  /** TLS client context that trusts only the hub CA (for tests and in-process clients). */
  public SSLContext clientSslContext() {
    return clientSslContext;
  }

  private static HubHome load(Path dir, int port, Set<San> extraSans) throws IOException, GeneralSecurityException {
    KeyAndCert ca = loadOrCreateCa(dir);
    KeyAndCert serving = loadOrCreateServing(dir, ca, extraSans);
    String adminToken = loadOrCreateToken(dir.resolve(ADMIN_TOKEN), "admin token", () -> Secrets.randomToken(32));
    String bootstrapToken = loadOrCreateToken(dir.resolve(BOOTSTRAP_TOKEN), "bootstrap token",
        Secrets::newBootstrapToken);
    if (!BOOTSTRAP_TOKEN_SHAPE.matcher(bootstrapToken).matches()) {
      throw new IllegalStateException(dir.resolve(BOOTSTRAP_TOKEN) + " must match " + BOOTSTRAP_TOKEN_SHAPE);
    }
    String viewerToken = loadOrCreateToken(dir.resolve(VIEWER_TOKEN), "viewer token", () -> Secrets.randomToken(32));
    TokenCipher cipher = loadOrCreateCipher(dir.resolve(SECRET_KEY));
    byte[] caPem = pem(ca.cert());
    writeKubeconfigIfChanged(dir.resolve(KUBECONFIG), port, caPem, "flotilla-admin", adminToken);
    writeKubeconfigIfChanged(dir.resolve(VIEWER_KUBECONFIG), port, caPem, "flotilla-viewer", viewerToken);
    return new HubHome(dir, adminToken, bootstrapToken, viewerToken, caPem, cipher,
        serverContext(serving, ca.cert()), clientContext(ca.cert()), writeRemotingStores(dir, serving, ca.cert()));
  }

  // ---- certificates ----

  private record KeyAndCert(PrivateKey key, X509Certificate cert) {
  }

  private static KeyAndCert loadOrCreateCa(Path dir) throws IOException, GeneralSecurityException {
    Path certFile = dir.resolve(CA_CERT);
    Path keyFile = dir.resolve(CA_KEY);
    if (Files.exists(certFile) && Files.exists(keyFile)) {
      KeyAndCert ca = new KeyAndCert(readPrivateKey(keyFile), readCertificate(certFile));
      if (keyMatches(ca)) {
        ensureOwnerOnly(keyFile);
        log.info("Reusing hub CA {} (valid until {})", certFile, ca.cert().getNotAfter().toInstant());
        return ca;
      }
      // only a crash between writing the key and the certificate leaves a mismatched pair behind
      log.warn("{} does not match {}; generating a new hub CA", keyFile, certFile);
    }
    KeyPair keys = newKeyPair();
    X500Name name = new X500Name("CN=flotilla-ca");
    Instant now = Instant.now();
    JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, newSerial(),
        Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(CA_VALIDITY)), name, keys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
        .addExtension(Extension.subjectKeyIdentifier, false,
            extensions.createSubjectKeyIdentifier(keys.getPublic()));
    KeyAndCert ca = new KeyAndCert(keys.getPrivate(), sign(builder, keys.getPrivate()));
    writeAtomically(keyFile, pem(ca.key()), SECRET_PERMISSIONS);
    writeAtomically(certFile, pem(ca.cert()), PUBLIC_PERMISSIONS);
    log.info("Created hub CA {} (valid until {})", certFile, ca.cert().getNotAfter().toInstant());
    return ca;
  }

  private static KeyAndCert loadOrCreateServing(Path dir, KeyAndCert ca, Set<San> extraSans)
      throws IOException, GeneralSecurityException {
    Path certFile = dir.resolve(SERVING_CERT);
    Path keyFile = dir.resolve(SERVING_KEY);
    if (Files.exists(certFile) && Files.exists(keyFile)) {
      KeyAndCert serving = new KeyAndCert(readPrivateKey(keyFile), readCertificate(certFile));
      String staleBecause = servingCertificateProblem(serving, ca, extraSans);
      if (staleBecause == null) {
        ensureOwnerOnly(keyFile);
        log.info("Reusing serving certificate {} (valid until {})", certFile,
            serving.cert().getNotAfter().toInstant());
        return serving;
      }
      log.info("Regenerating serving certificate {}: {}", certFile, staleBecause);
    }
    Set<San> sans = new LinkedHashSet<>();
    sans.add(San.dns("localhost"));
    sans.add(San.ip("127.0.0.1"));
    sans.add(San.ip("::1"));
    try {
      sans.add(San.parse(InetAddress.getLocalHost().getHostName()));
    } catch (UnknownHostException | IllegalArgumentException e) {
      log.debug("Machine hostname not added to the serving certificate", e);
    }
    sans.addAll(extraSans);

    KeyPair keys = newKeyPair();
    Instant now = Instant.now();
    JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.cert(), newSerial(),
        Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(SERVING_VALIDITY)),
        new X500Name("CN=flotilla-hub"), keys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
        // clientAuth too: hub nodes present it to each other (remoting with mutual TLS)
        .addExtension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
        .addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(sans.stream().map(San::toGeneralName).toArray(GeneralName[]::new)))
        .addExtension(Extension.subjectKeyIdentifier, false,
            extensions.createSubjectKeyIdentifier(keys.getPublic()))
        .addExtension(Extension.authorityKeyIdentifier, false,
            extensions.createAuthorityKeyIdentifier(ca.cert()));
    KeyAndCert serving = new KeyAndCert(keys.getPrivate(), sign(builder, ca.key()));
    writeAtomically(keyFile, pem(serving.key()), SECRET_PERMISSIONS);
    writeAtomically(certFile, pem(serving.cert()), PUBLIC_PERMISSIONS);
    log.info("Created serving certificate {} for {} (valid until {})", certFile, sans,
        serving.cert().getNotAfter().toInstant());
    return serving;
  }

  /** Why an existing serving certificate can't be reused, or {@code null} if it can. */
  private static String servingCertificateProblem(KeyAndCert serving, KeyAndCert ca, Set<San> extraSans)
      throws GeneralSecurityException {
    X509Certificate cert = serving.cert();
    if (cert.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE_EXPIRY))) {
      return "it expires " + cert.getNotAfter().toInstant();
    }
    try {
      cert.verify(ca.cert().getPublicKey());
    } catch (GeneralSecurityException e) {
      return "it is not signed by the current hub CA";
    }
    if (!keyMatches(serving)) {
      return "its private key does not match";
    }
    if (cert.getExtendedKeyUsage() == null || !cert.getExtendedKeyUsage().contains(KeyPurposeId.id_kp_clientAuth.getId())) {
      return "hub nodes cannot authenticate to each other with it (no clientAuth usage)";
    }
    List<San> missing = new ArrayList<>(extraSans);
    missing.removeAll(San.of(cert));
    return missing.isEmpty() ? null : "it does not cover " + missing;
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  /** Positive and unpredictable, as RFC 5280 and the CA/Browser baseline ask of serial numbers. */
  private static BigInteger newSerial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign certificate with " + SIGNATURE_ALGORITHM, e);
    }
  }

  /** Signs a probe with the private key and checks it against the certificate's public key. */
  private static boolean keyMatches(KeyAndCert pair) throws GeneralSecurityException {
    byte[] probe = new byte[32];
    RANDOM.nextBytes(probe);
    Signature signer = Signature.getInstance(SIGNATURE_ALGORITHM);
    signer.initSign(pair.key());
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(SIGNATURE_ALGORITHM);
    verifier.initVerify(pair.cert().getPublicKey());
    verifier.update(probe);
    return verifier.verify(signature);
  }

  private static X509Certificate readCertificate(Path file) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static PrivateKey readPrivateKey(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
         PEMParser parser = new PEMParser(reader)) {
      if (parser.readObject() instanceof PrivateKeyInfo info) {
        return new JcaPEMKeyConverter().getPrivateKey(info);
      }
      throw new IOException(file + " does not hold a PKCS#8 PEM private key");
    }
  }

  /** Certificates as PEM "CERTIFICATE", private keys as PKCS#8 PEM "PRIVATE KEY" (what kubectl/openssl/Go read). */
  private static byte[] pem(Object certificateOrKey) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      if (certificateOrKey instanceof PrivateKey key) {
        writer.writeObject(new JcaPKCS8Generator(key, null));
      } else {
        writer.writeObject(certificateOrKey);
      }
    }
    return out.toString().getBytes(StandardCharsets.US_ASCII);
  }

  // ---- TLS ----

  private static SSLContext serverContext(KeyAndCert serving, X509Certificate ca)
      throws IOException, GeneralSecurityException {
    KeyStore store = emptyKeyStore();
    store.setKeyEntry("flotilla-hub", serving.key(), IN_MEMORY_KEYSTORE_PASSWORD,
        new Certificate[] {serving.cert(), ca});
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(store, IN_MEMORY_KEYSTORE_PASSWORD);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers.getKeyManagers(), null, null);
    return context;
  }

  /** A TLS client context that trusts only the CA in this PEM file (a hub's ca.crt), for tools beside a hub. */
  public static SSLContext trusting(Path caCertificate) throws IOException {
    try {
      return clientContext(readCertificate(caCertificate));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use " + caCertificate + " as a CA certificate", e);
    }
  }

  private static SSLContext clientContext(X509Certificate ca) throws IOException, GeneralSecurityException {
    KeyStore store = emptyKeyStore();
    store.setCertificateEntry("flotilla-ca", ca);
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trustManagers.getTrustManagers(), null);
    return context;
  }

  /** PKCS12 stores for remoting, rewritten at every load (atomically) under a password kept in the home. */
  private static RemotingTls writeRemotingStores(Path dir, KeyAndCert serving, X509Certificate ca)
      throws IOException, GeneralSecurityException {
    String password = loadOrCreateToken(dir.resolve(REMOTING_PASSWORD), "remoting keystore password",
        () -> Secrets.randomToken(24));
    KeyStore keys = emptyKeyStore();
    keys.setKeyEntry("flotilla-hub", serving.key(), password.toCharArray(), new Certificate[] {serving.cert(), ca});
    KeyStore trust = emptyKeyStore();
    trust.setCertificateEntry("flotilla-ca", ca);
    Path keyStore = dir.resolve(REMOTING_KEY_STORE);
    Path trustStore = dir.resolve(REMOTING_TRUST_STORE);
    writeAtomically(keyStore, stored(keys, password), SECRET_PERMISSIONS);
    writeAtomically(trustStore, stored(trust, password), PUBLIC_PERMISSIONS);
    return new RemotingTls(keyStore, trustStore, password);
  }

  private static byte[] stored(KeyStore store, String password) throws IOException, GeneralSecurityException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    store.store(out, password.toCharArray());
    return out.toByteArray();
  }

  private static KeyStore emptyKeyStore() throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    return store;
  }

  // ---- tokens, key, kubeconfig ----

  private static String loadOrCreateToken(Path file, String what, Supplier<String> generator) throws IOException {
    if (Files.exists(file)) {
      ensureOwnerOnly(file);
      String token = Files.readString(file, StandardCharsets.US_ASCII).strip();
      // tokens travel in Authorization headers and YAML: visible ASCII only
      if (token.isEmpty() || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        throw new IllegalStateException(file + " must hold a single token of visible ASCII characters");
      }
      log.info("Reusing {} from {}", what, file);
      return token;
    }
    String token = generator.get();
    writeAtomically(file, (token + "\n").getBytes(StandardCharsets.US_ASCII), SECRET_PERMISSIONS);
    log.info("Created {} in {}", what, file);
    return token;
  }

  private static TokenCipher loadOrCreateCipher(Path file) throws IOException {
    if (Files.exists(file)) {
      ensureOwnerOnly(file);
      log.info("Reusing token encryption key {}", file);
    } else {
      byte[] key = new byte[TokenCipher.KEY_BYTES];
      RANDOM.nextBytes(key);
      writeAtomically(file, key, SECRET_PERMISSIONS);
      log.info("Created token encryption key {}", file);
    }
    return TokenCipher.fromKeyFile(file);
  }

  /** Rewritten whenever its content would differ, so the server URL always carries the current port. */
  private static void writeKubeconfigIfChanged(Path file, int port, byte[] caPem, String user, String token)
      throws IOException {
    String content = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: flotilla
          cluster:
            server: https://127.0.0.1:%d
            certificate-authority-data: %s
        users:
        - name: %s
          user:
            token: "%s"
        contexts:
        - name: flotilla
          context:
            cluster: flotilla
            user: %s
        current-context: flotilla
        """.formatted(port, Base64.getEncoder().encodeToString(caPem), user,
        // visible ASCII is guaranteed; only these two need escaping in a YAML double-quoted scalar
        token.replace("\\", "\\\\").replace("\"", "\\\""), user);
    boolean exists = Files.exists(file);
    if (exists && Files.readString(file, StandardCharsets.US_ASCII).equals(content)) {
      ensureOwnerOnly(file);
      log.info("Reusing kubeconfig {}", file);
      return;
    }
    writeAtomically(file, content.getBytes(StandardCharsets.US_ASCII), SECRET_PERMISSIONS);
    log.info("{} kubeconfig {} (server https://127.0.0.1:{})", exists ? "Rewrote" : "Created", file, port);
  }

  // ---- files ----

  private static void createPrivateDirectory(Path home, Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Files.createDirectories(home);
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_PERMISSIONS));
    } catch (FileAlreadyExistsException e) {
      return; // another hub process created it first
    }
    Files.setPosixFilePermissions(dir, DIR_PERMISSIONS); // the umask may have narrowed the requested mode
    log.info("Created hub home {}", dir);
  }

  /** Temp file + fsync + atomic rename: a crash leaves either the old file or the complete new one. */
  private static void writeAtomically(Path target, byte[] content, Set<PosixFilePermission> permissions)
      throws IOException {
    // created owner-only, so a secret is never readable by others, not even briefly
    Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp",
        PosixFilePermissions.asFileAttribute(SECRET_PERMISSIONS));
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.setPosixFilePermissions(temp, permissions);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  /** Tightens a reused secret file that someone made readable by others. */
  private static void ensureOwnerOnly(Path file) throws IOException {
    Set<PosixFilePermission> actual = Files.getPosixFilePermissions(file);
    if (!actual.equals(SECRET_PERMISSIONS)) {
      log.warn("{} had permissions {}; resetting them to {}", file, PosixFilePermissions.toString(actual),
          PosixFilePermissions.toString(SECRET_PERMISSIONS));
      Files.setPosixFilePermissions(file, SECRET_PERMISSIONS);
    }
  }

  // ---- subject alternative names ----

  /** A DNS or IP SAN in canonical form (lower-case DNS name, expanded IP), so coverage checks compare equal values. */
  private record San(int tag, String value) {

    static San parse(String name) {
      String trimmed = name == null ? "" : name.strip();
      if (trimmed.isEmpty()) {
        throw new IllegalArgumentException("empty subject alternative name");
      }
      return IPAddress.isValid(trimmed) ? ip(trimmed) : dns(trimmed);
    }

    static San dns(String name) {
      return new San(GeneralName.dNSName, name.toLowerCase(Locale.ROOT));
    }

    static San ip(String literal) {
      try {
        // a validated literal: getByName parses it without any DNS lookup
        return new San(GeneralName.iPAddress, InetAddress.getByName(literal).getHostAddress());
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("invalid IP address " + literal, e);
      }
    }

    static Set<San> of(X509Certificate cert) throws CertificateParsingException {
      Set<San> sans = new LinkedHashSet<>();
      Collection<List<?>> entries = cert.getSubjectAlternativeNames();
      if (entries != null) {
        for (List<?> entry : entries) {
          int tag = (Integer) entry.get(0);
          if (tag == GeneralName.dNSName) {
            sans.add(dns((String) entry.get(1)));
          } else if (tag == GeneralName.iPAddress) {
            sans.add(ip((String) entry.get(1)));
          }
        }
      }
      return sans;
    }

    GeneralName toGeneralName() {
      return new GeneralName(tag, value);
    }

    @Override
    public String toString() {
      return (tag == GeneralName.iPAddress ? "IP:" : "DNS:") + value;
    }
  }
}
