package io.flotilla.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.LoggingTestKit;
import akka.actor.testkit.typed.javadsl.ManualTime;
import akka.persistence.query.PersistenceQuery;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import akka.persistence.testkit.query.javadsl.PersistenceTestKitReadJournal;
import com.typesafe.config.ConfigFactory;
import io.flotilla.api.ClusterRegistrationRequest;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.ManagedCluster.ClusterStatus;
import io.flotilla.hub.security.TokenCipher;
import io.flotilla.hub.security.TokenHash;
import io.flotilla.hub.tunnel.TunnelConnection;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * The ManagedCluster behavior alone (in-memory journal, serialization of every command, event,
 * reply and state checked by the testkit): status replacement, the heartbeat persistence
 * policy, optimistic concurrency, authentication and deregistration.
 */
class ManagedClusterEntityTest {
  static ActorTestKit testKit;

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    Instant now = Instant.parse("2026-11-24T10:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  final String clusterId = UUID.randomUUID().toString();
  final String token = clusterId + ".secret-part";
  final ManualClock clock = new ManualClock();
  final UUID requestUid = UUID.randomUUID();
  final ClusterRegistrationRequest.Spec requestSpec =
      new ClusterRegistrationRequest.Spec(clusterId, "EdgeCluster", "shop-1", null, Map.of("region", "eu"), "Pull");
  TokenCipher cipher;
  ManagedClusterEntity.Dependencies deps;
  EventSourcedBehaviorTestKit<ManagedClusterEntity.Command, ManagedClusterEntity.Event, ManagedClusterEntity.State> kit;

  @BeforeAll
  static void startTestKit() {
    testKit = ActorTestKit.create(ManualTime.config()
        .withFallback(EventSourcedBehaviorTestKit.config())
        .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void registered() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    cipher = new TokenCipher(key);
    deps = new ManagedClusterEntity.Dependencies(cipher, "Y2E=", Duration.ofMinutes(5), Duration.ofMinutes(9),
        Duration.ofSeconds(3), clock, HealthCheckWheel.start(testKit.system(), Duration.ofSeconds(1)),
        PersistenceQuery.get(testKit.system()).getReadJournalFor(PersistenceTestKitReadJournal.class,
            PersistenceTestKitReadJournal.Identifier()));
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), ManagedClusterEntity.create(clusterId, deps));
    kit.initialize(new ManagedClusterEntity.Registered(clusterId, "clusternet-" + clusterId,
        requestUid, requestSpec, "clusternet-abcde", "shop-1", UUID.randomUUID(),
        "EdgeCluster", "Pull", Map.of("region", "eu", ManagedCluster.LABEL_CLUSTER_ID, clusterId,
            ManagedCluster.LABEL_CLUSTER_NAME, "shop-1", ManagedCluster.LABEL_REGISTERED_BY, "clusternet-agent"),
        TokenHash.of(token), cipher.encrypt(token), clock.now));
  }

  static ClusterStatus status(String k8sVersion) {
    return status(k8sVersion, 180);
  }

  static ClusterStatus status(String k8sVersion, long heartbeatFrequencySeconds) {
    return new ClusterStatus(null, k8sVersion, "v0.1.0", "linux/amd64", "https://10.0.0.1:6443", true, true, true,
        null, null, Map.of("cpu", "8"), Map.of("cpu", "8"), null, null,
        new ManagedCluster.NodeStatistics(2, 0, 0, 0), new ManagedCluster.PodStatistics(10, 12),
        new ManagedCluster.ResourceUsage("1", "2Gi"), List.of(), heartbeatFrequencySeconds);
  }

  ManagedClusterEntity.Reply report(ClusterStatus status, String resourceVersion) {
    return kit.<ManagedClusterEntity.Reply>runCommand(
        replyTo -> new ManagedClusterEntity.UpdateStatus(status, resourceVersion, replyTo)).reply();
  }

  @Test
  void aStatusReportReplacesTheStatusAndIsPersisted() {
    var result = kit.<ManagedClusterEntity.Reply>runCommand(
        replyTo -> new ManagedClusterEntity.UpdateStatus(status("v1.30.0"), null, replyTo));
    ManagedClusterEntity.StatusReported event = result.eventOfType(ManagedClusterEntity.StatusReported.class);
    assertEquals("v1.30.0", event.status().k8sVersion());
    assertEquals("2026-11-24T10:00:00Z", event.status().lastObservedTime());
    ManagedCluster cluster = ((ManagedClusterEntity.ClusterFound) result.reply()).cluster();
    assertEquals("v1.30.0", cluster.status().k8sVersion());
    assertEquals("2", cluster.metadata().resourceVersion());
    assertEquals("clusternet-abcde", cluster.metadata().namespace());
  }

  @Test
  void shardingsStopMessageStopsTheEntity() {
    var entity = testKit.spawn(ManagedClusterEntity.create(UUID.randomUUID().toString(), deps));
    // stopped, not failed (an unknown command would stop it too, with an error logged)
    LoggingTestKit.empty().withLogLevel(Level.ERROR).withOccurrences(0).expect(testKit.system(), () -> {
      entity.tell(ManagedClusterEntity.Stop.INSTANCE);
      testKit.createTestProbe().expectTerminated(entity);
      return null;
    });
  }

  @Test
  void aKeptReportHoldsNoSecondCopyOfItsTimeAndEveryViewStillShowsIt() {
    report(status("v1.30.0"), null);
    assertEquals(null, kit.getState().status().lastObservedTime(), "statusAt says it already");

    clock.now = clock.now.plus(Duration.ofHours(1));
    kit.restart(); // no report in memory since: the persisted time is the one to show
    ManagedCluster found = ((ManagedClusterEntity.ClusterFound)
        kit.<ManagedClusterEntity.Reply>runCommand(ManagedClusterEntity.Get::new).reply()).cluster();
    assertEquals("2026-11-24T10:00:00Z", found.status().lastObservedTime());
    assertEquals("2026-11-24T10:00:00Z",
        ManagedClusterEntity.view(kit.getState()).orElseThrow().status().lastObservedTime(), "as history rebuilds it");
  }

  @Test
  void clustersRefreshTheirObservedTimeAtIntervalsSpreadBetween70And100Percent() {
    Duration interval = Duration.ofMinutes(5);
    Set<Duration> seen = new TreeSet<>();
    for (int i = 0; i < 1_000; i++) {
      Duration mine = ManagedClusterEntity.observedTimePersistInterval(interval, UUID.randomUUID().toString());
      assertTrue(mine.compareTo(Duration.ofSeconds(210)) >= 0 && mine.compareTo(interval) <= 0, mine.toString());
      seen.add(mine);
    }
    assertTrue(seen.size() >= 25, "distinct intervals of 1,000 clusters: " + seen);
  }

  @Test
  void unchangedHeartbeatsAreKeptInMemoryAndPersistedOnlyAfterTheInterval() {
    report(status("v1.30.0"), null);

    clock.now = clock.now.plus(Duration.ofMinutes(3));
    var heartbeat = kit.<ManagedClusterEntity.Reply>runCommand(
        replyTo -> new ManagedClusterEntity.UpdateStatus(status("v1.30.0"), null, replyTo));
    assertTrue(heartbeat.hasNoEvents());
    ManagedCluster shown = ((ManagedClusterEntity.ClusterFound) heartbeat.reply()).cluster();
    assertEquals("2026-11-24T10:03:00Z", shown.status().lastObservedTime());
    assertEquals("2", shown.metadata().resourceVersion());

    clock.now = clock.now.plus(Duration.ofMinutes(3)); // 6 minutes after the last persisted report
    var refresh = kit.<ManagedClusterEntity.Reply>runCommand(
        replyTo -> new ManagedClusterEntity.UpdateStatus(status("v1.30.0"), null, replyTo));
    assertEquals("2026-11-24T10:06:00Z",
        refresh.eventOfType(ManagedClusterEntity.StatusReported.class).status().lastObservedTime());

    var changed = kit.<ManagedClusterEntity.Reply>runCommand(
        replyTo -> new ManagedClusterEntity.UpdateStatus(status("v1.31.0"), null, replyTo));
    assertEquals("v1.31.0", changed.eventOfType(ManagedClusterEntity.StatusReported.class).status().k8sVersion());
    assertEquals("v1.31.0", kit.getState().status().k8sVersion());
  }

  @Test
  void aStaleResourceVersionConflictsAndChangesNothing() {
    report(status("v1.30.0"), "1");
    var stale = kit.<ManagedClusterEntity.Reply>runCommand(
        replyTo -> new ManagedClusterEntity.UpdateStatus(status("v1.31.0"), "1", replyTo));
    assertTrue(stale.hasNoEvents());
    assertInstanceOf(ManagedClusterEntity.Conflict.class, stale.reply());
    assertEquals("v1.30.0", kit.getState().status().k8sVersion());
  }

  @Test
  void authenticatesOnlyTheStoredTokenAndDeregistrationRevokesIt() {
    assertTrue(authenticated(token));
    assertFalse(authenticated(clusterId + ".guess"));

    var deregistered = kit.<ManagedClusterEntity.Reply>runCommand(ManagedClusterEntity.Deregister::new);
    deregistered.eventOfType(ManagedClusterEntity.Deregistered.class);
    assertFalse(authenticated(token));
    assertInstanceOf(ManagedClusterEntity.NotFound.class, report(status("v1.30.0"), null));
    assertInstanceOf(ManagedClusterEntity.NotFound.class,
        kit.<ManagedClusterEntity.Reply>runCommand(ManagedClusterEntity.Get::new).reply());
    // kept for a returning cluster: its namespace
    assertEquals("clusternet-abcde", kit.getState().registration().namespace());
  }

  @Test
  void aReportWithItsTokenIsAppliedOnlyForTheRightTokenAndItsOwnPath() {
    var forged = kit.<ManagedClusterEntity.Reply>runCommand(replyTo -> new ManagedClusterEntity.UpdateStatus(
        status("v1.30.0"), null, new ManagedClusterEntity.Presented(TokenHash.of(clusterId + ".guess"),
        "clusternet-abcde", "shop-1"), replyTo));
    assertTrue(forged.hasNoEvents());
    assertEquals(new ManagedClusterEntity.Authenticated(false, null, null), forged.reply());

    var elsewhere = kit.<ManagedClusterEntity.Reply>runCommand(replyTo -> new ManagedClusterEntity.UpdateStatus(
        status("v1.30.0"), null, new ManagedClusterEntity.Presented(TokenHash.of(token), "clusternet-other",
        "shop-1"), replyTo));
    assertTrue(elsewhere.hasNoEvents());
    assertEquals(new ManagedClusterEntity.Authenticated(true, "clusternet-abcde", "shop-1"), elsewhere.reply());
    assertNull(kit.getState().status());

    var own = kit.<ManagedClusterEntity.Reply>runCommand(replyTo -> new ManagedClusterEntity.UpdateStatus(
        status("v1.30.0"), null, new ManagedClusterEntity.Presented(TokenHash.of(token), "clusternet-abcde",
        "shop-1"), replyTo));
    assertEquals("v1.30.0", own.eventOfType(ManagedClusterEntity.StatusReported.class).status().k8sVersion());
    assertInstanceOf(ManagedClusterEntity.ClusterFound.class, own.reply());

    kit.runCommand(ManagedClusterEntity.Deregister::new);
    var revoked = kit.<ManagedClusterEntity.Reply>runCommand(replyTo -> new ManagedClusterEntity.UpdateStatus(
        status("v1.31.0"), null, new ManagedClusterEntity.Presented(TokenHash.of(token), "clusternet-abcde",
        "shop-1"), replyTo));
    assertEquals(new ManagedClusterEntity.Authenticated(false, null, null), revoked.reply());
  }

  @Test
  void theRegistrationRequestShowsTheDecryptedTokenAndTheRequestAsSent() {
    var kept = kit.getState().registration();
    assertEquals(Arrays.asList(null, null, null), Arrays.asList(kept.encryptedToken(), kept.requestSpec(),
        kept.requestUid()), "read back from the journal when asked for");
    var reply = kit.<ManagedClusterEntity.Reply>runCommand(ManagedClusterEntity.GetRegistrationRequest::new).reply();
    ClusterRegistrationRequest request = ((ManagedClusterEntity.RequestFound) reply).request();
    assertEquals(token, request.status().token());
    assertEquals(requestSpec, request.spec());
    assertEquals(requestUid.toString(), request.metadata().uid());
    assertEquals("clusternet-" + clusterId, request.metadata().name());
    assertEquals("Approved", request.status().result());
    assertEquals("clusternet-abcde", request.status().dedicatedNamespace());
  }

  @Test
  void stateSurvivesRecovery() {
    report(status("v1.30.0"), null);
    var restarted = kit.restart();
    assertEquals("v1.30.0", restarted.state().status().k8sVersion());
    assertEquals(2, restarted.state().revision());
    assertTrue(authenticated(token));
  }

  @Test
  void aClusterThatNeverReportsTurnsUnknownWithTheTaint() {
    wakeUp();
    ManualTime.get(testKit.system()).timePasses(Duration.ofMinutes(9).plusSeconds(1));
    ManagedCluster cluster = awaitHealth("ClusterStatusNeverUpdated");
    assertEquals(List.of(new io.flotilla.api.Taint(ManagedClusterEntity.TAINT_UNSCHEDULABLE, null, "NoSchedule",
        cluster.spec().taints().get(0).timeAdded())), cluster.spec().taints());
  }

  @Test
  void silenceForThreeHeartbeatsTurnsReadyUnknownAndTheNextReportClearsIt() {
    report(status("v1.30.0"), null); // heartbeatFrequencySeconds 180: Unknown after 9 minutes of silence
    ManualTime time = ManualTime.get(testKit.system());
    time.timePasses(Duration.ofMinutes(8));
    assertEquals(null, kit.getState().health());
    time.timePasses(Duration.ofMinutes(1).plusSeconds(1));
    ManagedCluster unknown = awaitHealth("ClusterStatusUnknown");
    assertEquals("Unknown", unknown.status().conditions().stream()
        .filter(c -> c.type().equals("Ready")).findFirst().orElseThrow().status());
    assertEquals("v1.30.0", unknown.status().k8sVersion());

    ManagedCluster back = ((ManagedClusterEntity.ClusterFound) report(status("v1.30.0"), null)).cluster();
    assertEquals(null, back.spec().taints());
    assertEquals(null, kit.getState().health());
    assertTrue(back.status().conditions().isEmpty() || back.status().conditions().stream()
        .noneMatch(c -> c.status().equals("Unknown")));
  }

  @Test
  void eachReportStartsTheWindowAgainAndTheEarlierTimerNeverMarksIt() {
    report(status("v1.30.0"), null);
    ManualTime time = ManualTime.get(testKit.system());
    time.timePasses(Duration.ofMinutes(8));
    report(status("v1.30.0"), null);
    time.timePasses(Duration.ofMinutes(8));
    assertEquals(null, kit.getState().health(), "the first report's timer was still running");
    time.timePasses(Duration.ofMinutes(1).plusSeconds(1));
    awaitHealth("ClusterStatusUnknown");
  }

  @Test
  void aShorterHeartbeatIsJudgedByItsOwnWindowNotTheCheckBookedBeforeIt() {
    report(status("v1.30.0"), null); // the check booked by the first command is 9 minutes away
    report(status("v1.30.0", 10), null); // now every 10 s: Unknown after 30 s of silence
    ManualTime time = ManualTime.get(testKit.system());
    time.timePasses(Duration.ofSeconds(29));
    assertEquals(null, kit.getState().health());
    time.timePasses(Duration.ofSeconds(2));
    awaitHealth("ClusterStatusUnknown");
  }

  @Test
  void afterRecoveryAClusterGetsAFullWindowHoweverOldItsLastReport() {
    report(status("v1.30.0"), null);
    clock.now = clock.now.plus(Duration.ofHours(1)); // the hub was down for an hour
    kit.restart();
    wakeUp();
    ManualTime time = ManualTime.get(testKit.system());
    time.timePasses(Duration.ofMinutes(8));
    assertEquals(null, kit.getState().health(), "marked Unknown before the cluster had a chance to report");
    time.timePasses(Duration.ofMinutes(1).plusSeconds(1));
    awaitHealth("ClusterStatusUnknown");
  }

  @Test
  void labelsMergeAndAnUnchangedSetPersistsNothing() {
    var set = kit.<ManagedClusterEntity.Reply>runCommand(replyTo ->
        new ManagedClusterEntity.UpdateLabels(Map.of("node.clusternet.io/zone", "a"), List.of("region"), null, replyTo));
    Map<String, String> labels = set.eventOfType(ManagedClusterEntity.LabelsChanged.class).labels();
    assertEquals("a", labels.get("node.clusternet.io/zone"));
    assertFalse(labels.containsKey("region"));
    assertEquals(clusterId, labels.get(ManagedCluster.LABEL_CLUSTER_ID));

    var same = kit.<ManagedClusterEntity.Reply>runCommand(replyTo ->
        new ManagedClusterEntity.UpdateLabels(Map.of("node.clusternet.io/zone", "a"), List.of(), null, replyTo));
    assertTrue(same.hasNoEvents());
    assertEquals("a", ((ManagedClusterEntity.ClusterFound) same.reply()).cluster().metadata().labels()
        .get("node.clusternet.io/zone"));
  }

  /** Tunnel ownership lives in memory: a newer connection supersedes the older, a stopped one is forgotten. */
  @Test
  void theNewestTunnelConnectionServesTheClusterAndNothingIsPersisted() {
    var first = testKit.<TunnelConnection.Command>createTestProbe();
    var second = testKit.<TunnelConnection.Command>createTestProbe();
    assertTrue(kit.runCommand(new ManagedClusterEntity.TunnelOpened(first.ref())).hasNoEvents());
    assertTrue(kit.runCommand(new ManagedClusterEntity.TunnelOpened(second.ref())).hasNoEvents());
    first.expectMessageClass(TunnelConnection.Supersede.class);
    assertEquals(new ManagedClusterEntity.TunnelFound(second.ref()),
        kit.<ManagedClusterEntity.Reply>runCommand(ManagedClusterEntity.GetTunnel::new).reply());
    ClusterStatus shown = ((ManagedClusterEntity.ClusterFound)
        kit.<ManagedClusterEntity.Reply>runCommand(ManagedClusterEntity.Get::new).reply()).cluster().status();
    assertTrue(shown.useSocket());
    assertEquals("True", shown.conditions().stream().filter(c -> c.type().equals("Connected")).findFirst()
        .orElseThrow().status());

    second.stop();
    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      var reply = kit.<ManagedClusterEntity.Reply>runCommand(ManagedClusterEntity.GetTunnel::new).reply();
      assertTrue(((ManagedClusterEntity.Unavailable) reply).message().contains(clusterId));
      return null;
    });
    ClusterStatus dropped = ((ManagedClusterEntity.ClusterFound)
        kit.<ManagedClusterEntity.Reply>runCommand(ManagedClusterEntity.Get::new).reply()).cluster().status();
    assertFalse(dropped.useSocket());
    assertEquals("Unknown", dropped.conditions().stream().filter(c -> c.type().equals("Connected")).findFirst()
        .orElseThrow().status());
  }

  /**
   * The first command after recovery, as ClusterWakeUp sends after a hub restart: the silence
   * window starts with it (sharding starts an entity only to deliver a message, the test kit not).
   */
  void wakeUp() {
    kit.runCommand(ManagedClusterEntity.WakeUp::new);
  }

  ManagedCluster awaitHealth(String reason) {
    return testKit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(reason, kit.getState().health() == null ? null : kit.getState().health().reason());
      ManagedCluster cluster = ((ManagedClusterEntity.ClusterFound)
          kit.<ManagedClusterEntity.Reply>runCommand(ManagedClusterEntity.Get::new).reply()).cluster();
      assertEquals(reason, cluster.status().conditions().stream()
          .filter(c -> c.type().equals("Ready")).findFirst().orElseThrow().reason());
      return cluster;
    });
  }

  boolean authenticated(String presented) {
    var reply = kit.<ManagedClusterEntity.Reply>runCommand(
        replyTo -> new ManagedClusterEntity.Authenticate(TokenHash.of(presented), replyTo)).reply();
    return ((ManagedClusterEntity.Authenticated) reply).valid();
  }
}
