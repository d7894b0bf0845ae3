package io.flotilla.hub.security;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * The SHA-256 of a cluster token, as four longs: every running cluster keeps one, and this takes 48
 * bytes of heap where its hex string took 104. Written (in events, between nodes) as that hex string.
 */
public record TokenHash(long word0, long word1, long word2, long word3) {

  public static TokenHash of(String token) {
    return ofDigest(Secrets.sha256(token));
  }

  /** From its lower-case hex, as events carry it. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static TokenHash ofHex(String hex) {
    if (hex.length() != 64) {
      throw new IllegalArgumentException("a SHA-256 in hex has 64 digits, not " + hex.length());
    }
    return ofDigest(HexFormat.of().parseHex(hex));
  }

  private static TokenHash ofDigest(byte[] digest) {
    ByteBuffer words = ByteBuffer.wrap(digest);
    return new TokenHash(words.getLong(), words.getLong(), words.getLong(), words.getLong());
  }

  @JsonValue
  public String hex() {
    return HexFormat.of().formatHex(ByteBuffer.allocate(32).putLong(word0).putLong(word1).putLong(word2)
        .putLong(word3).array());
  }

  /** Equal to {@code other}, compared in a time that does not tell where they differ; never equal to null. */
  public boolean matches(TokenHash other) {
    return other != null && ((word0 ^ other.word0) | (word1 ^ other.word1) | (word2 ^ other.word2)
        | (word3 ^ other.word3)) == 0;
  }

  @Override
  public String toString() {
    return "TokenHash(" + hex() + ")";
  }
}
