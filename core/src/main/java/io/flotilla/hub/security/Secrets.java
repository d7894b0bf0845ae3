package io.flotilla.hub.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Random secrets and the few hashing/comparison helpers the hub's auth code needs. */
public final class Secrets {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Kubernetes bootstrap tokens ({@code [a-z0-9]{6}.[a-z0-9]{16}}) and DNS-1123 labels allow these characters. */
  private static final char[] LOWER_ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
  private static final int BOOTSTRAP_ID_LENGTH = 6;
  private static final int BOOTSTRAP_SECRET_LENGTH = 16;

  private Secrets() {
  }

  /** {@code bytes} random bytes, base64url-encoded without padding (safe in URLs, headers and YAML). */
  public static String randomToken(int bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("token length must be positive, was " + bytes);
    }
    byte[] raw = new byte[bytes];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /** A fresh token in the Kubernetes bootstrap-token shape: {@code <6-char id>.<16-char secret>}. */
  public static String newBootstrapToken() {
    return randomLowerAlphanumeric(BOOTSTRAP_ID_LENGTH) + "." + randomLowerAlphanumeric(BOOTSTRAP_SECRET_LENGTH);
  }

  /** Lower-case hex SHA-256 of the UTF-8 bytes of {@code value}. */
  public static String sha256Hex(String value) {
    return HexFormat.of().formatHex(sha256(value));
  }

  /** SHA-256 of the UTF-8 bytes of {@code value}. */
  static byte[] sha256(String value) {
    return sha256().digest(value.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Compares secrets without leaking, through timing, how long a matching prefix is.
   * {@code null} never equals anything (not even {@code null}), so a missing credential can't match.
   */
  public static boolean constantTimeEquals(String a, String b) {
    if (a == null || b == null) {
      return false;
    }
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code length} uniformly random characters of {@code [a-z0-9]} (valid in DNS-1123 names and bootstrap tokens). */
  public static String randomLowerAlphanumeric(int length) {
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) {
      // nextInt(bound) rejects out-of-range samples, so each character is uniform (no modulo bias)
      chars[i] = LOWER_ALPHANUMERIC[RANDOM.nextInt(LOWER_ALPHANUMERIC.length)];
    }
    return new String(chars);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }
}
