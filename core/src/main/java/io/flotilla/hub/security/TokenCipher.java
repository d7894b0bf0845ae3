package io.flotilla.hub.security;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM encryption of short secrets (per-cluster tokens) so they are never stored in clear in
 * the event journal. The output is base64 of {@code version || iv || ciphertext+tag}; the version
 * byte is also authenticated (as AAD) and leaves room for a future key/algorithm rotation.
 * Thread-safe: {@link Cipher} is not, so every call builds its own.
 */
public final class TokenCipher {

  public static final int KEY_BYTES = 32;

  private static final byte VERSION = 1;
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final String TRANSFORMATION = "AES/GCM/NoPadding";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  /** @param rawKey exactly 32 bytes; copied, so the caller may wipe its array. */
  public TokenCipher(byte[] rawKey) {
    if (rawKey == null || rawKey.length != KEY_BYTES) {
      throw new IllegalArgumentException("AES-256 key must be " + KEY_BYTES + " bytes, was "
          + (rawKey == null ? "null" : rawKey.length));
    }
    this.key = new SecretKeySpec(rawKey.clone(), "AES");
  }

  /** Reads a raw 32-byte key file (such as the hub's {@code secret.key}). */
  public static TokenCipher fromKeyFile(Path keyFile) throws IOException {
    byte[] raw = Files.readAllBytes(keyFile);
    try {
      return new TokenCipher(raw);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid key file " + keyFile + ": " + e.getMessage(), e);
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  public String encrypt(String plaintext) {
    if (plaintext == null) {
      throw new IllegalArgumentException("plaintext must not be null");
    }
    // GCM is catastrophically broken by IV reuse under one key; a fresh random 96-bit IV per call avoids it
    byte[] iv = new byte[IV_BYTES];
    RANDOM.nextBytes(iv);
    byte[] sealed;
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, iv);
      sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
    ByteBuffer out = ByteBuffer.allocate(1 + IV_BYTES + sealed.length);
    out.put(VERSION).put(iv).put(sealed);
    return Base64.getEncoder().encodeToString(out.array());
  }

  /** @throws IllegalArgumentException if the input is malformed, tampered with, or was encrypted under another key */
  public String decrypt(String encrypted) {
    if (encrypted == null) {
      throw new IllegalArgumentException("encrypted token must not be null");
    }
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(encrypted);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("encrypted token is not valid base64", e);
    }
    if (blob.length < 1 + IV_BYTES + TAG_BITS / 8) {
      throw new IllegalArgumentException("encrypted token is too short (" + blob.length + " bytes)");
    }
    if (blob[0] != VERSION) {
      throw new IllegalArgumentException("unsupported encrypted token version " + blob[0]);
    }
    byte[] iv = Arrays.copyOfRange(blob, 1, 1 + IV_BYTES);
    try {
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, iv);
      byte[] plain = cipher.doFinal(blob, 1 + IV_BYTES, blob.length - 1 - IV_BYTES);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (AEADBadTagException e) {
      throw new IllegalArgumentException(
          "encrypted token failed authentication: it was tampered with or encrypted under a different key", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM decryption failed", e);
    }
  }

  private Cipher cipher(int mode, byte[] iv) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance(TRANSFORMATION);
    cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, iv));
    cipher.updateAAD(new byte[] {VERSION});
    return cipher;
  }
}
