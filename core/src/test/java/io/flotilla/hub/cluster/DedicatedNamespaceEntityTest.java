package io.flotilla.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A dedicated namespace belongs to the first cluster that claims it, for good. */
class DedicatedNamespaceEntityTest {
  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void firstClaimWinsAndTheOwnerMayClaimAgain() {
    EventSourcedBehaviorTestKit<DedicatedNamespaceEntity.Command, DedicatedNamespaceEntity.Event, DedicatedNamespaceEntity.State> kit =
        EventSourcedBehaviorTestKit.create(testKit.system(), DedicatedNamespaceEntity.create("clusternet-x1y2z"));

    var free = kit.<DedicatedNamespaceEntity.Owner>runCommand(DedicatedNamespaceEntity.GetOwner::new);
    assertNull(free.reply().clusterId());

    var first = kit.<DedicatedNamespaceEntity.Owner>runCommand(replyTo -> new DedicatedNamespaceEntity.Claim("a", replyTo));
    assertTrue(first.reply().granted());
    assertEquals("a", first.eventOfType(DedicatedNamespaceEntity.Claimed.class).clusterId());

    var other = kit.<DedicatedNamespaceEntity.Owner>runCommand(replyTo -> new DedicatedNamespaceEntity.Claim("b", replyTo));
    assertFalse(other.reply().granted());
    assertEquals("a", other.reply().clusterId());
    assertTrue(other.hasNoEvents());

    var again = kit.<DedicatedNamespaceEntity.Owner>runCommand(replyTo -> new DedicatedNamespaceEntity.Claim("a", replyTo));
    assertTrue(again.reply().granted());
    assertTrue(again.hasNoEvents());

    assertEquals("a", kit.restart().state().owner());
  }
}
