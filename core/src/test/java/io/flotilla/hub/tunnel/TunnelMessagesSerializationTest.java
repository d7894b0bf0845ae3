package io.flotilla.hub.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import akka.stream.SourceRef;
import akka.stream.javadsl.Source;
import akka.stream.javadsl.StreamRefs;
import akka.util.ByteString;
import com.typesafe.config.ConfigFactory;
import io.flotilla.hub.cluster.ManagedClusterEntity;
import io.flotilla.tunnel.HttpHead;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tunnel's messages cross hub nodes (route on one, connection on another): CBOR round trips. */
class TunnelMessagesSerializationTest {
  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(ConfigFactory.load());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void proxyMessagesAndTunnelOwnershipRoundTrip() {
    var serialization = new SerializationTestKit(testKit.system());
    var connection = testKit.<TunnelConnection.Command>createTestProbe().ref();
    var replies = testKit.<TunnelConnection.ProxyReply>createTestProbe().ref();
    SourceRef<ByteString> body = Source.single(ByteString.fromString("{}"))
        .runWith(StreamRefs.sourceRef(), testKit.system());
    var head = new HttpHead.Request("PATCH", "/api/v1/namespaces/default/pods/p?fieldManager=kubectl",
        List.of(new HttpHead.Header("Content-Type", "application/strategic-merge-patch+json")));
    for (Object message : List.of(
        new TunnelConnection.Proxy(head, body, replies),
        new TunnelConnection.Proxy(head, null, replies),
        new TunnelConnection.Proxied(new HttpHead.Response(200, List.of(new HttpHead.Header("X", "y"))), body),
        new TunnelConnection.ProxyFailed("gone"),
        new TunnelConnection.Supersede("newer"),
        new ManagedClusterEntity.TunnelOpened(connection),
        new ManagedClusterEntity.GetTunnel(testKit.<ManagedClusterEntity.Reply>createTestProbe().ref()),
        new ManagedClusterEntity.TunnelFound(connection))) {
      assertEquals(message, serialization.verifySerialization(message, false));
    }
  }
}
