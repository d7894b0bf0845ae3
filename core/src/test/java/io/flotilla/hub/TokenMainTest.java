package io.flotilla.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** `flotilla token create|list|revoke` against a running hub, and what agents can do with the tokens. */
class TokenMainTest {
  @RegisterExtension
  @Order(1)
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();
  @RegisterExtension
  @Order(2)
  static final HubExtension hub = new HubExtension(cassandra);

  record Run(int code, String out, String err) {}

  Run token(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--home", hub.home().dir().getParent().toString()));
    int code = TokenMain.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  int register(String token) {
    return hub.client().register(token, Map.of()).code();
  }

  @Test
  void createdTokensRegisterClustersUntilRevokedAndListWithoutTheirSecrets() {
    Run created = token("create", "--ttl", "1h", "--description", "shops in Lyon");
    assertEquals(0, created.code(), created.err());
    String token = created.out().trim();
    assertTrue(token.matches("[a-z0-9]{6}\\.[a-z0-9]{16}"), token);
    String id = token.substring(0, 6);
    assertEquals(201, register(token));

    Run forever = token("create", "--ttl", "0");
    assertEquals(0, forever.code(), forever.err());
    String foreverId = forever.out().trim().substring(0, 6);

    // lists come from the object index, a moment behind the writes
    TestProbe.create(hub.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(300), () -> {
      Run listed = token("list");
      assertEquals(0, listed.code(), listed.err());
      assertTrue(listed.out().lines().findFirst().orElseThrow().matches("TOKEN ID\\s+EXPIRES\\s+USAGES\\s+DESCRIPTION"),
          listed.out());
      assertTrue(listed.out().lines().anyMatch(l -> l.matches(id + "\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+authentication\\s+shops in Lyon")),
          listed.out());
      assertTrue(listed.out().lines().anyMatch(l -> l.matches(foreverId + "\\s+<never>\\s+authentication")), listed.out());
      assertFalse(listed.out().contains(token.substring(7)), "secrets are never listed");
      return null;
    });

    Run revoked = token("revoke", "--id", id);
    assertEquals(0, revoked.code(), revoked.err());
    assertEquals(401, register(token));
    TestProbe.create(hub.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(300), () -> {
      assertFalse(token("list").out().contains(id + " "), "gone from the list");
      return null;
    });
    Run again = token("revoke", "--id", id);
    assertEquals(1, again.code());
    assertTrue(again.err().contains("no bootstrap token " + id), again.err());
  }

  @Test
  void badUsageExitsTwoAndTellsWhy() {
    Run ttl = token("create", "--ttl", "soon");
    assertEquals(2, ttl.code());
    assertTrue(ttl.err().contains("--ttl takes a number and a unit"), ttl.err());
    assertEquals(2, token("revoke", "--id", "NOT-AN-ID").code());
    assertEquals(2, token("rotate").code());
  }
}
