package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.flotilla.hub.HubClient;
import io.flotilla.hub.TestHubs;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rate limits: registrations per second (429, nothing stored) and failed authentications per
 * client address (429 for every request from it until the window ends), on a hub with small
 * limits; the limiters' arithmetic on a manual clock.
 */
class RateLimitsTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final String CRRS = "/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests";
  static final String MCLS = "/apis/clusters.clusternet.io/v1beta1/managedclusters";

  @TempDir
  Path home;

  @Test
  void registrationsBeyondTheRateAndAddressesThatKeepFailingGet429() throws Exception {
    try (TestHubs.Running hub = TestHubs.start(home, ConfigFactory.parseMap(Map.of(
            "flotilla.hub.limits.registrations-per-second", 3,
            "flotilla.hub.limits.auth-failures-per-window", 5,
            "flotilla.hub.limits.auth-failure-window", "3s"))
        .withFallback(TestHubs.config(cassandra)))) {
      HubClient client = hub.client();
      int created = 0;
      int throttled = 0;
      for (int i = 0; i < 12; i++) {
        String id = UUID.randomUUID().toString();
        HubClient.Reply reply = client.post(CRRS, hub.home().bootstrapToken(),
            HubClient.registrationRequest("clusternet-" + id, id));
        if (reply.code() == 429) {
          throttled++;
          assertEquals("TooManyRequests", reply.json().path("reason").asText(), reply.body());
          assertEquals(1, reply.json().at("/details/retryAfterSeconds").asInt(), reply.body());
          assertEquals(404, client.get(CRRS + "/clusternet-" + id, hub.home().adminToken()).code(),
              "a throttled registration stores nothing");
        } else {
          assertEquals(201, reply.code(), reply.body());
          created++;
        }
      }
      assertTrue(created >= 3 && throttled > 0, created + " created, " + throttled + " throttled");

      for (int i = 0; i < 5; i++) {
        assertEquals(401, client.get(MCLS, "not-a-token-" + i).code());
      }
      HubClient.Reply blocked = client.get(MCLS, hub.home().adminToken());
      assertEquals(429, blocked.code(), "even a good token, from an address that keeps failing");
      assertTrue(blocked.json().at("/details/retryAfterSeconds").asInt() >= 1, blocked.body());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      int code;
      do {
        code = client.get(MCLS, hub.home().adminToken()).code();
      } while (code == 429 && System.nanoTime() < deadline);
      assertEquals(200, code, "the window ends");
    }
  }

  @Test
  void aTokenBucketRefillsAtItsRateAndBurstsOneSecond() {
    ManualClock clock = new ManualClock();
    TokenBucket bucket = new TokenBucket(4, clock);
    for (int i = 0; i < 4; i++) {
      assertTrue(bucket.tryTake(), "burst " + i);
    }
    assertTrue(!bucket.tryTake(), "empty");
    clock.advance(Duration.ofMillis(250));
    assertTrue(bucket.tryTake(), "one token a quarter second");
    assertTrue(!bucket.tryTake());
    clock.advance(Duration.ofSeconds(10));
    for (int i = 0; i < 4; i++) {
      assertTrue(bucket.tryTake());
    }
    assertTrue(!bucket.tryTake(), "never more than a second saved up");
  }

  @Test
  void failuresCountPerAddressAndWindow() throws Exception {
    ManualClock clock = new ManualClock();
    AuthFailureLimiter limiter = new AuthFailureLimiter(3, Duration.ofSeconds(10), 2, clock);
    InetAddress a = InetAddress.getByName("10.0.0.1");
    InetAddress b = InetAddress.getByName("10.0.0.2");
    InetAddress c = InetAddress.getByName("10.0.0.3");
    limiter.failed(a);
    limiter.failed(a);
    assertEquals(0, limiter.blockedForSeconds(a));
    limiter.failed(a);
    clock.advance(Duration.ofSeconds(4));
    assertEquals(6, limiter.blockedForSeconds(a), "blocked for the rest of the window");
    assertEquals(0, limiter.blockedForSeconds(b), "per address");
    limiter.failed(b);
    limiter.failed(c); // a third address while two are tracked and neither window ended: not tracked
    limiter.failed(c);
    limiter.failed(c);
    assertEquals(0, limiter.blockedForSeconds(c));
    clock.advance(Duration.ofSeconds(6));
    assertEquals(0, limiter.blockedForSeconds(a), "the window ended");
    limiter.failed(c); // ended windows make room
    limiter.failed(c);
    limiter.failed(c);
    assertTrue(limiter.blockedForSeconds(c) > 0);
  }

  static final class ManualClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
