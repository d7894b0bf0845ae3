package io.flotilla.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import akka.actor.typed.ActorRef;
import akka.serialization.SerializationExtension;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import akka.serialization.Serializers;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.flotilla.api.ClusterRegistrationRequest;
import io.flotilla.api.CompactMap;
import io.flotilla.api.Condition;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.ObjectMeta;
import io.flotilla.api.Taint;
import io.flotilla.hub.security.TokenHash;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CBOR round trips (Jackson 2.17 records through Akka's serializer) of every command, event,
 * reply and state, including the ones the behavior tests cannot reach without a cluster.
 */
class SerializationTest {
  static ActorTestKit testKit;
  static SerializationTestKit serialization;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(ConfigFactory.load());
    serialization = new SerializationTestKit(testKit.system());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void everyMessageEventAndStateRoundTripsInCbor() {
    ActorRef<ManagedClusterEntity.Reply> replies = testKit.<ManagedClusterEntity.Reply>createTestProbe().ref();
    ActorRef<DedicatedNamespaceEntity.Owner> owners = testKit.<DedicatedNamespaceEntity.Owner>createTestProbe().ref();
    String id = UUID.randomUUID().toString();
    var spec = new ClusterRegistrationRequest.Spec(id, "EdgeCluster", "shop", "ns", Map.of("a", "b"), "Dual");
    var status = new ManagedCluster.ClusterStatus("2026-11-24T10:00:00Z", "v1.30.0", "v0.1.0", "linux/arm64",
        "https://10.1.1.1:6443", true, false, null, true, false, Map.of("cpu", "4"), Map.of("memory", "8Gi"),
        "10.244.0.0/16", "10.96.0.0/12", new ManagedCluster.NodeStatistics(1, 2, 3, 4),
        new ManagedCluster.PodStatistics(5, 6), new ManagedCluster.ResourceUsage("1500m", "3Gi"),
        List.of(new Condition("Ready", "True", 1L, "2026-11-24T10:00:00Z", "ClusterReady", "fine")), 180L);
    var registered = new ManagedClusterEntity.Registered(id, "clusternet-" + id, UUID.randomUUID(), spec, "ns", "shop", UUID.randomUUID(),
        "EdgeCluster", "Dual", Map.of("a", "b"), TokenHash.of("token"), "cipher", Instant.parse("2026-11-24T10:00:00Z"));
    var cluster = ManagedClusterEntity.managedCluster(registered, status, 3);
    var request = new ClusterRegistrationRequest("clusters.clusternet.io/v1beta1", "ClusterRegistrationRequest",
        ObjectMeta.of(null, "clusternet-" + id), spec,
        new ClusterRegistrationRequest.RequestStatus("ns", "tok", "Y2E=", "Approved", null, "shop"));

    List<Object> all = List.of(
        new ManagedClusterEntity.Register("clusternet-" + id, spec, "clusternet-agent", replies),
        new ManagedClusterEntity.GetRegistrationRequest(replies),
        new ManagedClusterEntity.Get(replies),
        new ManagedClusterEntity.UpdateStatus(status, "3", replies),
        new ManagedClusterEntity.UpdateStatus(status, null,
            new ManagedClusterEntity.Presented(TokenHash.of("token"), "clusternet-abcde", "cluster-1"), replies),
        new ManagedClusterEntity.Authenticate(TokenHash.of("token"), replies),
        new ManagedClusterEntity.Deregister(replies),
        new ManagedClusterEntity.NamespaceAnswered("ns", false, "other", "timeout"),
        new ManagedClusterEntity.ClusterFound(cluster),
        new ManagedClusterEntity.RequestFound(request),
        new ManagedClusterEntity.Authenticated(true, "clusternet-abcde", "cluster-1"),
        new ManagedClusterEntity.NotFound(id),
        new ManagedClusterEntity.Conflict("stale"),
        new ManagedClusterEntity.Unavailable("down"),
        registered,
        new ManagedClusterEntity.StatusReported(id, "ns", "shop", status, Instant.now(), true),
        new ManagedClusterEntity.Deregistered(id, "ns", "shop", Instant.now()),
        new ManagedClusterEntity.State(registered, true, status, Instant.now(),
            new ManagedClusterEntity.Health("ClusterStatusUnknown", "2026-11-24T10:09:00Z"), 7, 1),
        new ManagedClusterEntity.UpdateLabels(Map.of("zone", "a"), List.of("old"), null, replies),
        new ManagedClusterEntity.WakeUp(testKit.<akka.Done>createTestProbe().ref()),
        new ManagedClusterEntity.LabelsChanged(id, "ns", "shop", Map.of("zone", "a"), Instant.now()),
        new ManagedClusterEntity.HealthUnknown(id, "ns", "shop",
            new ManagedClusterEntity.Health("ClusterStatusNeverUpdated", "2026-11-24T10:09:00Z")),
        ManagedClusterEntity.State.empty(),
        new DedicatedNamespaceEntity.Claim(id, owners),
        new DedicatedNamespaceEntity.GetOwner(owners),
        new DedicatedNamespaceEntity.Owner("ns", id, true),
        new DedicatedNamespaceEntity.Claimed("ns", id),
        new DedicatedNamespaceEntity.State(id),
        new ManagedCluster.Spec(id, "EdgeCluster", "Push",
            List.of(new Taint("clusters.clusternet.io/unschedulable", null, "NoSchedule", null))));
    for (Object message : all) {
      assertEquals("JacksonCborSerializer", SerializationExtension.get(testKit.system().classicSystem())
          .findSerializerFor(message).getClass().getSimpleName(), message.getClass().getName());
      serialization.verifySerialization(message, true);
    }
  }

  @Test
  void aRegistrationWrittenWithTextUidsReadsBackTheSame() throws Exception {
    String id = UUID.randomUUID().toString();
    var spec = new ClusterRegistrationRequest.Spec(id, "EdgeCluster", "shop", null, Map.of("a", "b"), "Pull");
    var registered = new ManagedClusterEntity.Registered(id, "clusternet-" + id, UUID.randomUUID(), spec, "ns", "shop",
        UUID.randomUUID(), "EdgeCluster", "Pull", Map.of("a", "b"), TokenHash.of("token"), "cipher", Instant.parse("2026-11-24T10:00:00Z"));
    var extension = SerializationExtension.get(testKit.system().classicSystem());
    var serializer = extension.findSerializerFor(registered);
    var cbor = JacksonObjectMapperProvider.get(testKit.system()).getOrCreate("jackson-cbor", Optional.empty());
    // as events were written before the UIDs were UUIDs
    ObjectNode old = cbor.valueToTree(registered);
    old.put("requestUid", registered.requestUid().toString()).put("clusterUid", registered.clusterUid().toString());
    assertEquals("clusternet-" + id, old.path("requestName").asText(), "the event still carries the request's name");
    assertEquals("3c469e9d6c5875d37a43f353d4f88e61fcf812c66eee3457465a40b0da4153e0", old.path("tokenSha256").asText(),
        "the event carries the token's SHA-256 in hex, as it always did");

    var read = (ManagedClusterEntity.Registered) extension.deserialize(cbor.writeValueAsBytes(old),
        serializer.identifier(), Serializers.manifestFor(serializer, registered)).get();
    assertEquals(registered, read);
    assertEquals("clusternet-" + id, read.requestName());
  }

  @Test
  void aStateReadFromTheJournalOrAReportKeepsItsLabelsAndResourcesCompact() {
    var spec = new ClusterRegistrationRequest.Spec("id", "EdgeCluster", "shop", "ns", Map.of("a", "b"), "Pull");
    var registered = new ManagedClusterEntity.Registered("id", "clusternet-id", UUID.randomUUID(), spec, "ns", "shop", UUID.randomUUID(),
        "EdgeCluster", "Pull", Map.of("a", "b", "zone", "z"), TokenHash.of("token"), "cipher", Instant.parse("2026-11-24T10:00:00Z"));
    var status = new ManagedCluster.ClusterStatus("2026-11-24T10:00:00Z", "v1.30.0", null, null, null, true, true, true,
        null, null, Map.of("cpu", "4"), Map.of("cpu", "4", "pods", "110"), null, null, null, null, null, null, 180L);
    var state = new ManagedClusterEntity.State(registered, true, status, Instant.now(), null, 2, 1);
    var extension = SerializationExtension.get(testKit.system().classicSystem());
    var serializer = extension.findSerializerFor(state);
    byte[] bytes = extension.serialize(state).get();

    var read = (ManagedClusterEntity.State) extension.deserialize(bytes, serializer.identifier(),
        Serializers.manifestFor(serializer, state)).get();
    assertEquals(state, read);
    var adapted = ManagedClusterEntity.COMPACTING_SNAPSHOTS.fromJournal(read);
    assertEquals(state, adapted);
    for (Map<String, String> map : List.of(adapted.registration().labels(),
        adapted.registration().requestSpec().clusterLabels(), adapted.status().allocatable(),
        adapted.status().capacity())) {
      assertInstanceOf(CompactMap.class, map);
    }
    var reported = new ManagedClusterEntity.StatusReported("id", "ns", "shop", read.status(), Instant.now(), false);
    assertInstanceOf(CompactMap.class, ManagedClusterEntity.State.empty().next(reported).status().capacity(),
        "a replayed or new report keeps its maps compact too");
  }
}
