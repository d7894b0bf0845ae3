package io.flotilla.hub.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SecretsTest {

  private static final Pattern BOOTSTRAP_SHAPE = Pattern.compile("[a-z0-9]{6}\\.[a-z0-9]{16}");

  @Test
  void bootstrapTokensHaveTheKubernetesShapeAndUseTheWholeAlphabet() {
    Set<Integer> seen = new HashSet<>();
    Set<String> tokens = new HashSet<>();
    for (int i = 0; i < 2_000; i++) {
      String token = Secrets.newBootstrapToken();
      assertTrue(BOOTSTRAP_SHAPE.matcher(token).matches(), token);
      tokens.add(token);
      token.replace(".", "").chars().forEach(seen::add);
    }
    assertEquals(2_000, tokens.size(), "tokens must not repeat");
    // 44,000 draws over 36 symbols: missing any one by chance has probability ~36 * e^-1222
    assertEquals(36, seen.size(), "every character of [a-z0-9] must occur");
  }

  @Test
  void randomTokenIsUnpaddedBase64UrlOfTheRequestedLength() {
    String token = Secrets.randomToken(32);
    assertTrue(token.matches("[A-Za-z0-9_-]{43}"), token);
    assertEquals(32, Base64.getUrlDecoder().decode(token).length);
    assertNotEquals(token, Secrets.randomToken(32));
    assertThrows(IllegalArgumentException.class, () -> Secrets.randomToken(0));
  }

  @Test
  void sha256HexMatchesKnownVectors() {
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Secrets.sha256Hex("abc"));
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Secrets.sha256Hex(""));
  }

  @Test
  void constantTimeEquals() {
    assertTrue(Secrets.constantTimeEquals("secret", "secret"));
    assertTrue(Secrets.constantTimeEquals("", ""));
    assertFalse(Secrets.constantTimeEquals("secret", "Secret"));
    assertFalse(Secrets.constantTimeEquals("secret", "secret2"));
    assertFalse(Secrets.constantTimeEquals("secret", null));
    assertFalse(Secrets.constantTimeEquals(null, "secret"));
    assertFalse(Secrets.constantTimeEquals(null, null));
  }
}
