package io.flotilla.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import akka.actor.testkit.typed.javadsl.TestProbe;

import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.sharding.ShardRegion;
import akka.cluster.sharding.typed.GetShardRegionState;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.Cluster;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flotilla.hub.cluster.ManagedClusterEntity;
import io.flotilla.hub.security.HubHome;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes talk over mutual TLS (a node of another CA never joins). A three-node hub loses a node
 * without warning (its actor system stops with no graceful leave):
 * the split-brain resolver downs it, its shards move to the survivors, and every cluster it held
 * is there again, status included, and takes new reports. No cluster is lost.
 */
class NodeLossTest {
  @RegisterExtension
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  static final Duration WITHIN = Duration.ofSeconds(90);
  static final String CRRS = "/apis/clusters.clusternet.io/v1beta1/clusterregistrationrequests";

  @TempDir
  static Path home;

  Config config(List<String> seeds) {
    return ConfigFactory.parseMap(Map.of("flotilla.hub.remoting-tls", "on")) // as deploy/ runs it
        .withFallback(TestHubs.nodeConfig(seeds, cassandra));
  }

  static Stream<Member> members(Hub node) {
    return StreamSupport.stream(Cluster.get(node.system()).state().getMembers().spliterator(), false);
  }

  @Test
  void theClustersOfALostNodeComeBackOnTheSurvivors() throws Exception {
    HubHome hubHome = HubHome.open(home, 6443, List.of()); // the nodes bind port 0; this port is unused
    List<Hub> nodes = TestHubs.startNodes(3, this::config, hubHome);
    Hub node1 = nodes.get(0);
    Hub node2 = nodes.get(1);
    Hub node3 = nodes.get(2);
    String seed = Cluster.get(node1.system()).selfMember().address().toString(); // for the intruder
    boolean node3Lost = false;
    TestProbe<Object> probe = TestProbe.create(node1.system());
    try {
      probe.awaitAssert(WITHIN, Duration.ofMillis(500), () -> {
        assertEquals(3, members(node1).filter(m -> m.status() == MemberStatus.up()).count());
        return null;
      });
      assertEquals("tls-tcp", node1.system().settings().config().getString("akka.remote.artery.transport"));
      // a node whose home has another CA cannot join: the nodes authenticate each other by the home's CA
      Hub intruder = Hub.start(config(List.of(seed)), HubHome.open(home.resolve("other"), 6443, List.of()));
      try {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until) {
          assertEquals(3, members(node1).count(), "only nodes of this home's CA are members");
          assertEquals(MemberStatus.removed(), Cluster.get(intruder.system()).selfMember().status() == MemberStatus.up()
              ? MemberStatus.up() : MemberStatus.removed(), "the intruder never comes up");
          probe.expectNoMessage(Duration.ofMillis(500));
        }
      } finally {
        TestHubs.stop(intruder);
      }
      HubClient viaNode1 = new HubClient(hubHome.clientSslContext(), node1.port());
      List<JsonNode> registered = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        HubClient.Reply reply = viaNode1.register(hubHome.bootstrapToken(), Map.of("loss", "test"));
        assertEquals(201, reply.code(), reply.body());
        JsonNode crr = reply.json();
        assertEquals(200, viaNode1.put(HubClient.managedClusterPath(crr) + "/status", crr.at("/status/token").asText(),
            HubClient.statusReport(crr, "v1.30.0")).code());
        registered.add(crr);
      }

      // the clusters whose entities node 3 holds
      TestProbe<ShardRegion.CurrentShardRegionState> regionState = TestProbe.create(node3.system());
      ClusterSharding.get(node3.system()).shardState().tell(new GetShardRegionState(
          ManagedClusterEntity.ENTITY_KEY, regionState.getRef()));
      Set<String> onNode3 = new HashSet<>();
      regionState.receiveMessage(Duration.ofSeconds(10)).getShards()
          .forEach(shard -> onNode3.addAll(shard.getEntityIds()));
      assertFalse(onNode3.isEmpty(), "node 3 holds some of the 30 clusters");

      TestHubs.stop(node3);
      node3Lost = true;
      probe.awaitAssert(WITHIN, Duration.ofMillis(500), () -> {
        assertEquals(2, members(node1).count(), "node 3 downed and removed");
        return null;
      });

      HubClient viaNode2 = new HubClient(hubHome.clientSslContext(), node2.port());
      for (JsonNode crr : registered) {
        String clusterId = crr.at("/spec/clusterId").asText();
        String path = HubClient.managedClusterPath(crr);
        HubClient client = onNode3.contains(clusterId) ? viaNode2 : viaNode1;
        probe.awaitAssert(WITHIN, Duration.ofMillis(500), () -> {
          HubClient.Reply cluster = client.get(path, hubHome.adminToken());
          assertEquals(200, cluster.code(), cluster.body());
          assertEquals("v1.30.0", cluster.json().at("/status/k8sVersion").asText(), cluster.body());
          assertEquals(200, client.put(path + "/status", crr.at("/status/token").asText(),
              HubClient.statusReport(crr, "v1.31.0")).code(), "takes a new report");
          return null;
        });
        assertEquals("v1.31.0", viaNode1.get(path, hubHome.adminToken()).json().at("/status/k8sVersion").asText());
      }
    } finally {
      if (!node3Lost) {
        TestHubs.stop(node3);
      }
      TestHubs.stop(node2);
      TestHubs.stop(node1);
    }
  }
}
