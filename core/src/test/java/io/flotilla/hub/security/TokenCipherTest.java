package io.flotilla.hub.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenCipherTest {

  private static final SecureRandom RANDOM = new SecureRandom();

  private static byte[] newKey() {
    byte[] key = new byte[TokenCipher.KEY_BYTES];
    RANDOM.nextBytes(key);
    return key;
  }

  @Test
  void roundTrips() {
    TokenCipher cipher = new TokenCipher(newKey());
    for (String plain : new String[] {"", "eyJhbGciOi.token", "ünïcødé ✓ 🔑"}) {
      assertEquals(plain, cipher.decrypt(cipher.encrypt(plain)));
    }
  }

  @Test
  void encryptingTwiceGivesDifferentCiphertexts() {
    TokenCipher cipher = new TokenCipher(newKey());
    assertNotEquals(cipher.encrypt("same token"), cipher.encrypt("same token"));
  }

  @Test
  void tamperingWithAnyByteIsDetected() {
    TokenCipher cipher = new TokenCipher(newKey());
    byte[] sealed = Base64.getDecoder().decode(cipher.encrypt("cluster-token"));
    for (int i = 0; i < sealed.length; i++) {
      byte[] tampered = sealed.clone();
      tampered[i] ^= 0x01;
      String encoded = Base64.getEncoder().encodeToString(tampered);
      assertThrows(IllegalArgumentException.class, () -> cipher.decrypt(encoded), "byte " + i);
    }
    byte[] truncated = Arrays.copyOf(sealed, sealed.length - 1);
    assertThrows(IllegalArgumentException.class,
        () -> cipher.decrypt(Base64.getEncoder().encodeToString(truncated)));
    assertThrows(IllegalArgumentException.class, () -> cipher.decrypt("not base64 !"));
  }

  @Test
  void wrongKeyIsRejected() {
    String sealed = new TokenCipher(newKey()).encrypt("cluster-token");
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> new TokenCipher(newKey()).decrypt(sealed));
    assertTrue(error.getMessage().contains("different key"), error.getMessage());
  }

  @Test
  void keyMustBe32Bytes(@TempDir Path dir) throws IOException {
    assertThrows(IllegalArgumentException.class, () -> new TokenCipher(new byte[16]));
    Path shortKey = Files.write(dir.resolve("short.key"), new byte[31]);
    assertThrows(IllegalArgumentException.class, () -> TokenCipher.fromKeyFile(shortKey));

    byte[] key = newKey();
    Path keyFile = Files.write(dir.resolve("secret.key"), key);
    assertEquals("t", new TokenCipher(key).decrypt(TokenCipher.fromKeyFile(keyFile).encrypt("t")));
  }
}
