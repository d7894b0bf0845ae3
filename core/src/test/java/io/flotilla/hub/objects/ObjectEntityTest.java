package io.flotilla.hub.objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The object behavior alone (in-memory journal; the testkit checks CBOR serialization of every
 * command, event and state): registry stamps, optimistic concurrency, generation, no-op
 * writes, dry runs, finalizers, and a resourceVersion that keeps counting across re-creation.
 */
class ObjectEntityTest {
  static ActorTestKit testKit;
  static final String KEY = ObjectEntity.key("apps.clusternet.io", "subscriptions", "default", "app-demo");
  EventSourcedBehaviorTestKit<ObjectEntity.Command, ObjectEntity.Event, ObjectEntity.State> kit;

  @BeforeAll
  static void startTestKit() {
    testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void fresh() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(),
        ObjectEntity.create(KEY, Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneOffset.UTC)));
  }

  static String subscription(String labels, String spec) {
    return ("{'apiVersion':'apps.clusternet.io/v1alpha1','kind':'Subscription','metadata':{'name':'app-demo',"
        + "'namespace':'default','labels':{" + labels + "},'resourceVersion':'999','uid':'forged'},'spec':{" + spec + "}}")
        .replace('\'', '"');
  }

  ObjectEntity.Reply create(String object, boolean dryRun) {
    return kit.<ObjectEntity.Reply>runCommand(r -> new ObjectEntity.Create(object, dryRun, r)).reply();
  }

  ObjectEntity.Reply update(String object, long expected) {
    return kit.<ObjectEntity.Reply>runCommand(r -> new ObjectEntity.Update(object, expected, false, r)).reply();
  }

  static JsonNode metadata(ObjectEntity.Reply reply) {
    return ObjectEntity.parseObject(assertInstanceOf(ObjectEntity.Found.class, reply).object()).path("metadata");
  }

  @Test
  void createStampsTheRegistryFieldsAndASecondCreateIsRefused() {
    var result = kit.<ObjectEntity.Reply>runCommand(r -> new ObjectEntity.Create(subscription("", "'a':1"), false, r));
    ObjectEntity.Created created = result.eventOfType(ObjectEntity.Created.class);
    JsonNode metadata = metadata(result.reply());
    assertEquals("1", metadata.path("resourceVersion").asText());
    assertEquals(1, metadata.path("generation").asLong());
    assertEquals("2026-11-24T10:00:00Z", metadata.path("creationTimestamp").asText());
    assertNotEquals("forged", metadata.path("uid").asText());
    assertEquals(created.stamp().uid(), metadata.path("uid").asText());
    assertEquals(KEY, created.key());
    assertInstanceOf(ObjectEntity.AlreadyExists.class, create(subscription("", "'a':2"), false));
  }

  @Test
  void staleUpdatesConflictAndGenerationCountsOnlyDesiredStateChanges() {
    create(subscription("", "'a':1"), false);
    assertInstanceOf(ObjectEntity.Conflict.class, update(subscription("", "'a':2"), 7));
    assertEquals(1, kit.getState().revision());

    JsonNode relabeled = metadata(update(subscription("'x':'y'", "'a':1"), 1));
    assertEquals("2", relabeled.path("resourceVersion").asText());
    assertEquals(1, relabeled.path("generation").asLong(), "metadata changes leave generation alone");

    JsonNode respecified = metadata(update(subscription("'x':'y'", "'a':2"), 2));
    assertEquals("3", respecified.path("resourceVersion").asText());
    assertEquals(2, respecified.path("generation").asLong());

    var noop = kit.<ObjectEntity.Reply>runCommand(r -> new ObjectEntity.Update(subscription("'x':'y'", "'a':2"), 3, false, r));
    assertTrue(noop.hasNoEvents(), "an update that changes nothing is not written");
    assertEquals("3", metadata(noop.reply()).path("resourceVersion").asText());
  }

  @Test
  void dryRunsAnswerButPersistNothing() {
    var dry = kit.<ObjectEntity.Reply>runCommand(r -> new ObjectEntity.Create(subscription("", ""), true, r));
    assertTrue(dry.hasNoEvents());
    assertEquals("1", metadata(dry.reply()).path("resourceVersion").asText());
    assertInstanceOf(ObjectEntity.Missing.class, kit.<ObjectEntity.Reply>runCommand(ObjectEntity.Get::new).reply());
  }

  @Test
  void finalizersHoldADeletionUntilTheyAreRemoved() {
    String withFinalizer = subscription("", "").replace("\"labels\":{}", "\"finalizers\":[\"apps.clusternet.io/x\"]");
    create(withFinalizer, false);
    var marked = kit.<ObjectEntity.Reply>runCommand(r -> new ObjectEntity.Delete(0, false, r));
    assertEquals("2026-11-24T10:00:00Z", metadata(marked.reply()).path("deletionTimestamp").asText());
    assertInstanceOf(ObjectEntity.Updated.class, marked.event());
    assertTrue(kit.getState().object() != null);

    var released = kit.<ObjectEntity.Reply>runCommand(r -> new ObjectEntity.Update(subscription("", ""), 2, false, r));
    assertInstanceOf(ObjectEntity.Deleted.class, released.event());
    assertInstanceOf(ObjectEntity.Missing.class, kit.<ObjectEntity.Reply>runCommand(ObjectEntity.Get::new).reply());
  }

  @Test
  void aRecreatedObjectGetsANewUidAndAResourceVersionNoEarlierIncarnationHad() {
    String firstUid = metadata(create(subscription("", ""), false)).path("uid").asText();
    assertInstanceOf(ObjectEntity.Conflict.class,
        kit.<ObjectEntity.Reply>runCommand(r -> new ObjectEntity.Delete(5, false, r)).reply());
    kit.<ObjectEntity.Reply>runCommand(r -> new ObjectEntity.Delete(1, false, r));
    JsonNode again = metadata(create(subscription("", ""), false));
    assertEquals("3", again.path("resourceVersion").asText());
    assertNotEquals(firstUid, again.path("uid").asText());
    assertInstanceOf(ObjectEntity.Conflict.class, update(subscription("", ""), 1));
  }

  @Test
  void everyMessageRoundTripsInCbor() {
    SerializationTestKit serialization = new SerializationTestKit(testKit.system());
    var replyTo = testKit.<ObjectEntity.Reply>createTestProbe().ref();
    var stamp = new ObjectEntity.Stamp("uid", "2026-11-24T10:00:00Z", 2, 5, null);
    String object = subscription("'a':'b'", "'feeds':[{'kind':'Deployment'}],'note':'ünïcødé 🚢 \\\"quoted\\\"\\n'");
    for (Object message : List.of(new ObjectEntity.Create(object, true, replyTo), new ObjectEntity.Get(replyTo),
        new ObjectEntity.Update(object, 4, false, replyTo), new ObjectEntity.Delete(0, true, replyTo),
        new ObjectEntity.Found(object, 5), new ObjectEntity.Missing(), new ObjectEntity.AlreadyExists(),
        new ObjectEntity.Conflict(), new ObjectEntity.Created(KEY, object, stamp),
        new ObjectEntity.Updated(KEY, object, new ObjectEntity.Stamp("uid", "t", 3, 6, "2026-11-24T11:00:00Z")),
        new ObjectEntity.Deleted(KEY, object, 7), new ObjectEntity.State(object, stamp, 5),
        new ObjectEntity.State(null, null, 7))) {
      serialization.verifySerialization(message, true);
    }
  }
}
