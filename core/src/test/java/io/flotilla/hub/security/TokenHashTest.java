package io.flotilla.hub.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenHashTest {

  @Test
  void itIsTheTokensSha256AndReadsBackFromItsHex() {
    TokenHash hash = TokenHash.of("abc");
    assertEquals(Secrets.sha256Hex("abc"), hash.hex());
    assertEquals(hash, TokenHash.ofHex(Secrets.sha256Hex("abc")));
  }

  @Test
  void itMatchesOnlyTheSameToken() {
    TokenHash hash = TokenHash.of("cluster.secret");
    assertTrue(hash.matches(TokenHash.of("cluster.secret")));
    assertFalse(hash.matches(TokenHash.of("cluster.secreT")));
    assertFalse(hash.matches(null));
  }

  @Test
  void aHexOfTheWrongLengthIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> TokenHash.ofHex("abcd"));
  }
}
