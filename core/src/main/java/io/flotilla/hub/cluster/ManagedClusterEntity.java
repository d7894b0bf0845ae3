package io.flotilla.hub.cluster;

import akka.Done;
import akka.actor.DeadLetterSuppression;
import akka.actor.typed.ActorRef;
import akka.actor.typed.BackoffSupervisorStrategy;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.javadsl.ActorContext;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.SnapshotAdapter;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.stream.javadsl.Sink;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.flotilla.api.CborSerializable;
import io.flotilla.api.ClusterRegistrationRequest;
import io.flotilla.api.CompactMap;
import io.flotilla.api.Condition;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.ManagedCluster.ClusterStatus;
import io.flotilla.api.ObjectMeta;
import io.flotilla.api.SharedStrings;
import io.flotilla.api.Taint;
import io.flotilla.api.Times;
import io.flotilla.hub.HubMetrics;
import io.flotilla.hub.security.Secrets;
import io.flotilla.hub.security.TokenCipher;
import io.flotilla.hub.security.TokenHash;
import io.flotilla.hub.tunnel.TunnelConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * One managed cluster, keyed by its cluster ID: its registration (request, dedicated namespace,
 * credential hash), its ManagedCluster spec and status. See DESIGN.md "Heartbeats" for what is
 * persisted of status reports. Not an EventSourcedBehaviorWithEnforcedReplies: registration
 * stashes commands while it claims a namespace, and there a reply must be followed by unstashing,
 * which that API cannot express; every command still carries a replyTo and is answered.
 */
public final class ManagedClusterEntity
    extends EventSourcedBehavior<
        ManagedClusterEntity.Command, ManagedClusterEntity.Event, ManagedClusterEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "ManagedCluster");

  /** Snapshots are stored as they are and read back with the status's maps compact. */
  static final SnapshotAdapter<State> COMPACTING_SNAPSHOTS = new SnapshotAdapter<>() {
    @Override
    public Object toJournal(State state) {
      return state;
    }

    @Override
    public State fromJournal(Object from) {
      return ((State) from).withCompactStatus();
    }
  };

  /** One strategy for all entities: built in each one's constructor it cost every running cluster ~150 bytes. */
  private static final BackoffSupervisorStrategy ON_PERSIST_FAILURE =
      SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2);

  /** Events are tagged into this many slices, one directory projection each. Never change it on a live store. */
  public static final int DIRECTORY_SLICES = 4;

  public static final String DEFAULT_CLUSTER_TYPE = "EdgeCluster";
  public static final String DEFAULT_SYNC_MODE = "Pull";
  public static final String DEFAULT_REGISTERED_BY = "clusternet-agent";
  private static final int NAMESPACE_ATTEMPTS = 8;

  // --- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Register (or re-register) this cluster; the request's name was checked by the caller. */
  public record Register(
      String requestName,
      ClusterRegistrationRequest.Spec spec,
      String registeredBy,
      ActorRef<Reply> replyTo)
      implements Command {}

  public record GetRegistrationRequest(ActorRef<Reply> replyTo) implements Command {}

  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /**
   * Replace the status; resourceVersion, when given, must be the current one. With {@code
   * presented}, the report's token and path are checked first (one ask for a heartbeat instead of a
   * token check and an update): a wrong token is answered {@link Authenticated} invalid, a path
   * that is not this cluster's {@link Authenticated} with its own, and neither changes anything.
   */
  public record UpdateStatus(ClusterStatus status, String resourceVersion, Presented presented,
      ActorRef<Reply> replyTo) implements Command {
    /** A report whose sender is already authenticated as this cluster. */
    public UpdateStatus(ClusterStatus status, String resourceVersion, ActorRef<Reply> replyTo) {
      this(status, resourceVersion, null, replyTo);
    }
  }

  /** The token a report came with, and the ManagedCluster (namespace, name) it was sent to. */
  public record Presented(TokenHash token, String namespace, String name) {}

  /** Checks a presented cluster token by its SHA-256; answered with {@link Authenticated}. */
  public record Authenticate(TokenHash tokenSha256, ActorRef<Reply> replyTo) implements Command {}

  public record Deregister(ActorRef<Reply> replyTo) implements Command {}

  /** Merge the cluster's labels: set these, remove those (the clusters.clusternet.io/ ones are the hub's). */
  public record UpdateLabels(Map<String, String> set, List<String> remove, String resourceVersion,
      ActorRef<Reply> replyTo) implements Command {}

  /**
   * Starts the entity after a hub restart, so its health timer runs even if its agent never reports;
   * answered once it has recovered.
   */
  public record WakeUp(ActorRef<Done> replyTo) implements Command {}

  /**
   * The agent's tunnel connected (or re-registers on a timer). A different connection than the
   * current one supersedes it: the old one is told to close.
   */
  public record TunnelOpened(ActorRef<TunnelConnection.Command> connection) implements Command {}

  /** Which connection serves this cluster: {@link TunnelFound}, Unavailable or NotFound. */
  public record GetTunnel(ActorRef<Reply> replyTo) implements Command {}

  /** The connection's tunnel closed (told by the connection; also what watching it yields). */
  public record TunnelClosed(ActorRef<TunnelConnection.Command> connection) implements Command {}

  /**
   * Time to check the heartbeat ({@link HealthCheckWheel}; internal): Unknown if no report came within
   * 3 heartbeats. Sent to entities that may have stopped since, so no dead letter is logged.
   */
  record HeartbeatOverdue() implements Command, DeadLetterSuppression {
    static final HeartbeatOverdue INSTANCE = new HeartbeatOverdue();
  }

  /**
   * Sharding's stop message (passivation, hand-off to another node); one registering waits for
   * its namespace claim's answer first.
   */
  public record Stop() implements Command {
    public static final Stop INSTANCE = new Stop();
  }

  /** The registration read back from the journal for a registration request's view (internal). */
  record RegistrationRead(Optional<Registered> registration, Throwable failure, ActorRef<Reply> replyTo)
      implements Command {}

  /** The answer of the namespace owner to a claim made while registering (internal). */
  record NamespaceAnswered(String namespace, boolean granted, String owner, String failure)
      implements Command {}

  // --- replies --------------------------------------------------------------------------------

  public sealed interface Reply extends CborSerializable {}

  public record ClusterFound(ManagedCluster cluster) implements Reply {}

  public record RequestFound(ClusterRegistrationRequest request) implements Reply {}

  /**
   * valid: the token is this cluster's; namespace: its dedicated namespace (what the token may reach);
   * clusterName: its ManagedCluster's name there.
   */
  public record Authenticated(boolean valid, String namespace, String clusterName) implements Reply {}

  public record TunnelFound(ActorRef<TunnelConnection.Command> connection) implements Reply {}

  public record NotFound(String clusterId) implements Reply {}

  public record Conflict(String message) implements Reply {}

  public record Unavailable(String message) implements Reply {}

  // --- events ---------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {
    String clusterId();
  }

  /**
   * The registration as approved: everything needed to show the request and the ManagedCluster.
   * It is also a running cluster's state, so it keeps what can be derived out of memory: the
   * request's name when it is the usual one for the cluster ID, the UIDs as UUIDs (written as
   * text before, read either way).
   */
  public record Registered(
      String clusterId,
      String requestName,
      UUID requestUid,
      ClusterRegistrationRequest.Spec requestSpec,
      String namespace,
      String clusterName,
      UUID clusterUid,
      String clusterType,
      String syncMode,
      @JsonDeserialize(converter = CompactMap.FromJson.class) Map<String, String> labels,
      TokenHash tokenSha256,
      String encryptedToken,
      Instant at)
      implements Event {

    public Registered {
      if (requestName != null && requestName.equals(ClusterRegistrationRequest.nameFor(clusterId))) {
        requestName = null;
      }
    }

    @Override
    public String requestName() {
      return requestName != null ? requestName : ClusterRegistrationRequest.nameFor(clusterId);
    }

    /** Without what only the registration request's view shows (read back from the journal for it). */
    Registered withoutRequest() {
      return new Registered(clusterId, null, null, null, namespace, clusterName, clusterUid, clusterType, syncMode,
          labels, tokenSha256, null, at);
    }
  }

  /**
   * A status report that changed something, or that refreshes a stale lastObservedTime.
   * healthRecovered: the cluster's health was Unknown until this report (false in events
   * written before the field existed).
   */
  public record StatusReported(String clusterId, String namespace, String name, ClusterStatus status, Instant at,
      boolean healthRecovered) implements Event {}

  public record Deregistered(String clusterId, String namespace, String name, Instant at) implements Event {}

  /** The full label set after a label update. */
  public record LabelsChanged(String clusterId, String namespace, String name,
      @JsonDeserialize(converter = CompactMap.FromJson.class) Map<String, String> labels, Instant at)
      implements Event {}

  /** Heartbeats stopped (or never started): Ready turns Unknown and the cluster is tainted until the next report. */
  public record HealthUnknown(String clusterId, String namespace, String name, Health health) implements Event {}

  /** Why and since when the hub considers the cluster's health unknown. */
  public record Health(String reason, String since) implements CborSerializable {}

  // --- state ----------------------------------------------------------------------------------

  /**
   * registration is the latest approval (kept after deregistration, so a returning cluster gets
   * its namespace back) without the request (its name, UID, spec) and its token's ciphertext, which
   * only a registration request's view shows (read back from the journal then: they were ~330 bytes
   * of every running cluster); registeredRevision is that event's sequence number (0 in snapshots
   * written before, whose registration is still whole); revision counts events and is the objects'
   * resourceVersion.
   */
  public record State(Registered registration, boolean active, ClusterStatus status, Instant statusAt,
      Health health, long revision, long registeredRevision) implements CborSerializable {

    /** Shared: Akka keeps every entity's empty state for as long as the entity runs. */
    private static final State EMPTY = new State(null, false, null, null, null, 0, 0);

    static State empty() {
      return EMPTY;
    }

    State next(Registered reg) {
      return new State(reg.withoutRequest(), true, null, null, null, revision + 1, revision + 1);
    }

    State next(StatusReported event) {
      ClusterStatus status = event.status() == null ? null : kept(event.status(), event.at());
      return new State(registration, active, status, event.at(), null, revision + 1, registeredRevision);
    }

    /** This state with its status kept as reports are (a snapshot is read with Jackson's maps). */
    State withCompactStatus() {
      return status == null ? this : new State(registration, active, kept(status, statusAt), statusAt, health,
          revision, registeredRevision);
    }

    /**
     * A status as a running cluster keeps it: compact ({@link ClusterStatus#compact}), and no
     * lastObservedTime when it is statusAt's (a string per cluster, each report's its own, for what
     * statusAt already says).
     */
    private static ClusterStatus kept(ClusterStatus status, Instant at) {
      ClusterStatus compact = status.compact();
      return at != null && Times.format(at).equals(compact.lastObservedTime()) ? compact.withLastObservedTime(null)
          : compact;
    }

    /** The status as it was reported, lastObservedTime included. */
    ClusterStatus reportedStatus() {
      return status == null || status.lastObservedTime() != null || statusAt == null ? status
          : status.withLastObservedTime(Times.format(statusAt));
    }

    State next(LabelsChanged event) {
      Registered r = registration;
      Registered relabeled = new Registered(r.clusterId(), r.requestName(), r.requestUid(), r.requestSpec(),
          r.namespace(), r.clusterName(), r.clusterUid(), r.clusterType(), r.syncMode(), event.labels(),
          r.tokenSha256(), r.encryptedToken(), r.at());
      return new State(relabeled, active, status, statusAt, health, revision + 1, registeredRevision);
    }

    State next(HealthUnknown event) {
      return new State(registration, active, status, statusAt, event.health(), revision + 1, registeredRevision);
    }

    State deregistered() {
      return new State(registration, false, null, null, null, revision + 1, registeredRevision);
    }
  }

  // --- behavior -------------------------------------------------------------------------------

  /** What every ManagedCluster entity needs from the hub. */
  public record Dependencies(
      TokenCipher tokenCipher, String caCertificateBase64, Duration observedTimePersistInterval,
      Duration unknownAfterWithoutFrequency, Duration askTimeout, Clock clock, HealthCheckWheel healthChecks,
      CurrentEventsByPersistenceIdQuery journal) {}

  /** No heartbeat check booked. */
  private static final long NO_CHECK = Long.MAX_VALUE;
  /** No report since recovery. */
  private static final long NOT_OBSERVED = Long.MIN_VALUE;
  /** No command since recovery: no silence window yet. */
  private static final long NOT_STARTED = Long.MIN_VALUE;
  public static final String TAINT_UNSCHEDULABLE = "clusters.clusternet.io/unschedulable";
  public static final String PROTECTED_LABEL_PREFIX = "clusters.clusternet.io/";

  /** This entity's actor's, from its start ({@link #apply}). */
  private ActorContext<Command> context;
  private final String clusterId;
  private final Dependencies deps;
  /**
   * The newest report's time in epoch seconds (what lastObservedTime shows), or NOT_OBSERVED;
   * persisted only per the heartbeat policy (DESIGN.md). A long, not an Instant: 24 bytes less.
   */
  private long lastObservedSecond = NOT_OBSERVED;
  /**
   * The wheel's tick when the current silence began: the last report, or the first command after
   * recovery (a hub restart, a rebalance, or a message after passivation; sharding starts an entity
   * only to deliver one). That full window is not the agent's fault, and it spreads the verdicts
   * instead of marking everyone at once. Not a RecoveryCompleted signal handler: for one, Akka
   * keeps the handler and two more partial functions of every running entity.
   */
  private long silentSince = NOT_STARTED;
  /** The earliest heartbeat check booked on the wheel and not yet received, or NO_CHECK. */
  private long nextCheck = NO_CHECK;
  /**
   * The live tunnel, if any, and when it last connected or dropped. Not persisted: a connection
   * lives only as long as the node holding it, and flapping networks would write events; the view
   * (status.useSocket, condition Connected) is derived from these at read time.
   */
  private ActorRef<TunnelConnection.Command> connection;
  private Instant connectionChangedAt;
  /** A registration waiting for its namespace claim; commands meanwhile are stashed. */
  private PendingRegistration pending;

  private record PendingRegistration(Register command, boolean generatedNamespace, int attempt) {}

  private ManagedClusterEntity(String clusterId, Dependencies deps) {
    super(PersistenceId.of(ENTITY_KEY.name(), clusterId), ON_PERSIST_FAILURE);
    this.clusterId = clusterId;
    this.deps = deps;
  }

  /**
   * The entity is its own starting behavior, not one made by Behaviors.setup: sharding keeps the
   * behavior an entity started with for as long as it runs, and a setup with its lambda was ~50
   * more bytes of every running cluster.
   */
  public static Behavior<Command> create(String clusterId, Dependencies deps) {
    return new ManagedClusterEntity(clusterId, deps);
  }

  @Override
  public Behavior<Command> apply(TypedActorContext<Command> actorContext) {
    if (context != null) { // spawned again, as a behavior may be: a new entity, not this one's fields
      return new ManagedClusterEntity(clusterId, deps).apply(actorContext);
    }
    context = actorContext.asJava();
    SharedStrings.offer(clusterId); // its recovery, next, reads the same ID in every event (~80 bytes a copy)
    return super.apply(actorContext);
  }

  public static String tagFor(String clusterId) {
    return tag(Math.floorMod(clusterId.hashCode(), DIRECTORY_SLICES));
  }

  public static String tag(int slice) {
    return "mcls-" + slice;
  }

  @Override
  public State emptyState() {
    return State.empty();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(tagFor(event.clusterId()));
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return COMPACTING_SNAPSHOTS;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    // a plain function dispatching by type, as for events: the builder keeps ~100 bytes per running
    // entity for one case (and ~60 for each more: 14 of them were ~0.8 KB of a cluster's ~9 KB)
    return this::onCommand;
  }

  private Effect<Event, State> onCommand(State state, Command command) {
    if (silentSince == NOT_STARTED) {
      startSilenceWindow(state);
    }
    if (command instanceof NamespaceAnswered answer) {
      return onNamespaceAnswered(state, answer);
    } else if (command instanceof RegistrationRead read) {
      return onRegistrationRead(state, read);
    } else if (pending != null) {
      return Effect().stash();
    } else if (command instanceof Stop) {
      return Effect().stop();
    } else if (command instanceof Register cmd) {
      return onRegister(state, cmd);
    } else if (command instanceof GetRegistrationRequest cmd) {
      return state.active() ? replyWithRequest(state, cmd.replyTo())
          : Effect().reply(cmd.replyTo(), new NotFound(clusterId));
    } else if (command instanceof Get cmd) {
      return Effect().reply(cmd.replyTo(), clusterReply(state));
    } else if (command instanceof UpdateStatus cmd) {
      return onUpdateStatus(state, cmd);
    } else if (command instanceof Authenticate cmd) {
      return Effect().reply(cmd.replyTo(), authenticated(state, cmd.tokenSha256()));
    } else if (command instanceof Deregister cmd) {
      return onDeregister(state, cmd);
    } else if (command instanceof UpdateLabels cmd) {
      return onUpdateLabels(state, cmd);
    } else if (command instanceof WakeUp cmd) {
      return Effect().reply(cmd.replyTo(), Done.getInstance());
    } else if (command instanceof HeartbeatOverdue overdue) {
      return onHeartbeatOverdue(state, overdue);
    } else if (command instanceof TunnelOpened cmd) {
      return onTunnelOpened(state, cmd);
    } else if (command instanceof TunnelClosed cmd) {
      if (cmd.connection().equals(connection)) {
        connection = null;
        connectionChangedAt = deps.clock().instant();
      }
      return Effect().none();
    } else if (command instanceof GetTunnel cmd) {
      return Effect().reply(cmd.replyTo(), !state.active() ? new NotFound(clusterId)
          : connection == null ? new Unavailable("cluster " + clusterId + " is not connected to the hub")
          : new TunnelFound(connection));
    }
    throw new IllegalArgumentException("unknown command " + command.getClass().getName());
  }

  /** A window of silence begins now (the first command after recovery, a registration): checked when it would end. */
  private void startSilenceWindow(State state) {
    silentSince = deps.healthChecks().now();
    if (state.active() && state.health() == null) {
      bookCheck(silentSince + deps.healthChecks().ticks(unknownAfter(state.status())));
    }
  }

  /** A check at {@code tick}, unless one is booked before it (that one books the next if needed). */
  private void bookCheck(long tick) {
    if (tick < nextCheck) {
      deps.healthChecks().checkAt(tick, context.getSelf());
      nextCheck = tick;
    }
  }

  private Duration unknownAfter(ClusterStatus status) {
    Long frequency = status == null ? null : status.heartbeatFrequencySeconds();
    return frequency == null ? deps.unknownAfterWithoutFrequency() : Duration.ofSeconds(3 * frequency);
  }

  private Effect<Event, State> onHeartbeatOverdue(State state, HeartbeatOverdue overdue) {
    nextCheck = NO_CHECK; // checks arrive in tick order: none booked is earlier (one later may come: harmless)
    if (!state.active() || state.health() != null) {
      return Effect().none();
    }
    long windowEnd = silentSince + deps.healthChecks().ticks(unknownAfter(state.status()));
    if (deps.healthChecks().now() < windowEnd) {
      bookCheck(windowEnd); // reported since this check was booked
      return Effect().none();
    }
    String reason = state.status() == null ? "ClusterStatusNeverUpdated" : "ClusterStatusUnknown";
    Registered reg = state.registration();
    return Effect().persist(new HealthUnknown(clusterId, reg.namespace(), reg.clusterName(),
        new Health(reason, Times.format(deps.clock().instant()))));
  }

  private Effect<Event, State> onTunnelOpened(State state, TunnelOpened cmd) {
    if (cmd.connection().equals(connection)) {
      return Effect().none();
    }
    if (!state.active()) {
      cmd.connection().tell(new TunnelConnection.Supersede("cluster " + clusterId + " is not registered"));
      return Effect().none();
    }
    if (connection != null) {
      context.unwatch(connection);
      connection.tell(new TunnelConnection.Supersede("superseded by a newer connection of cluster " + clusterId));
    }
    connection = cmd.connection();
    connectionChangedAt = deps.clock().instant();
    context.watchWith(connection, new TunnelClosed(connection));
    return Effect().none();
  }

  private Effect<Event, State> onUpdateLabels(State state, UpdateLabels cmd) {
    if (!state.active()) {
      return Effect().reply(cmd.replyTo(), new NotFound(clusterId));
    }
    if (cmd.resourceVersion() != null && !cmd.resourceVersion().equals(String.valueOf(state.revision()))) {
      return Effect().reply(cmd.replyTo(), new Conflict(
          "the object has been modified; please apply your changes to the latest version and try again"));
    }
    Map<String, String> labels = new LinkedHashMap<>(state.registration().labels());
    labels.putAll(cmd.set());
    cmd.remove().forEach(labels::remove);
    if (labels.equals(state.registration().labels())) {
      return Effect().reply(cmd.replyTo(), clusterReply(state));
    }
    Registered reg = state.registration();
    return Effect()
        .persist(new LabelsChanged(clusterId, reg.namespace(), reg.clusterName(), Map.copyOf(labels),
            deps.clock().instant()))
        .thenReply(cmd.replyTo(), this::clusterReply);
  }

  private Effect<Event, State> onRegister(State state, Register cmd) {
    if (state.active()) {
      // the same cluster ID again: same namespace, same ManagedCluster, same credential
      return replyWithRequest(state, cmd.replyTo());
    }
    String requested = cmd.spec().clusterNamespace();
    String previous = state.registration() == null ? null : state.registration().namespace();
    String namespace = requested != null ? requested : previous != null ? previous : generatedNamespace();
    pending = new PendingRegistration(cmd, requested == null && previous == null, 1);
    claim(namespace);
    return Effect().none(); // answered when the namespace owner answers
  }

  private void claim(String namespace) {
    var owner = ClusterSharding.get(context.getSystem()).entityRefFor(DedicatedNamespaceEntity.ENTITY_KEY, namespace);
    context.ask(DedicatedNamespaceEntity.Owner.class, owner, deps.askTimeout(),
        replyTo -> new DedicatedNamespaceEntity.Claim(clusterId, replyTo),
        (answer, failure) -> failure != null
            ? new NamespaceAnswered(namespace, false, null, failure.getMessage())
            : new NamespaceAnswered(namespace, answer.granted(), answer.clusterId(), null));
  }

  private Effect<Event, State> onNamespaceAnswered(State state, NamespaceAnswered answer) {
    PendingRegistration registration = pending;
    if (registration == null) {
      return Effect().none(); // a late answer to a registration already given up
    }
    Register cmd = registration.command();
    if (answer.failure() != null) {
      pending = null;
      return Effect().none()
          .thenRun(() -> cmd.replyTo().tell(
              new Unavailable("cannot reserve namespace " + answer.namespace() + ": " + answer.failure())))
          .thenUnstashAll();
    }
    if (!answer.granted()) {
      if (registration.generatedNamespace() && registration.attempt() < NAMESPACE_ATTEMPTS) {
        pending = new PendingRegistration(cmd, true, registration.attempt() + 1);
        claim(generatedNamespace());
        return Effect().none();
      }
      pending = null;
      String message = "namespace " + answer.namespace() + " is already dedicated to cluster " + answer.owner();
      return Effect().none()
          .thenRun(() -> cmd.replyTo().tell(new RequestFound(failedRequestView(cmd, message))))
          .thenUnstashAll();
    }
    pending = null;
    Registered event = registered(state, cmd, answer.namespace());
    return Effect()
        .persist(event)
        .thenRun((State s) -> {
          startSilenceWindow(s);
          cmd.replyTo().tell(new RequestFound(requestView(s, event)));
        })
        .thenUnstashAll();
  }

  private Registered registered(State state, Register cmd, String namespace) {
    ClusterRegistrationRequest.Spec spec = cmd.spec();
    String clusterName = spec.clusterName() != null ? spec.clusterName()
        : state.registration() != null ? state.registration().clusterName()
        : "clusternet-cluster-" + Secrets.randomLowerAlphanumeric(5);
    return approved(cmd.requestName(), spec, cmd.registeredBy(), namespace, clusterName, newToken(clusterId),
        deps.tokenCipher(), deps.clock().instant());
  }

  /** A fresh cluster token: the cluster ID in front routes authentication to its entity. */
  public static String newToken(String clusterId) {
    return clusterId + "." + Secrets.randomToken(32);
  }

  /**
   * The approval of a request for {@code spec.clusterId()}: what this entity persists, and what a
   * benchmark writes straight into the journal to stand up a large fleet (loadtest's JournalSeed).
   */
  public static Registered approved(String requestName, ClusterRegistrationRequest.Spec spec, String registeredBy,
      String namespace, String clusterName, String token, TokenCipher tokenCipher, Instant at) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (spec.clusterLabels() != null) {
      labels.putAll(spec.clusterLabels());
    }
    labels.put(ManagedCluster.LABEL_CLUSTER_ID, spec.clusterId());
    labels.put(ManagedCluster.LABEL_CLUSTER_NAME, clusterName);
    labels.put(ManagedCluster.LABEL_REGISTERED_BY, registeredBy);
    return new Registered(spec.clusterId(), requestName, UUID.randomUUID(), spec, namespace, clusterName,
        UUID.randomUUID(),
        Objects.requireNonNullElse(spec.clusterType(), DEFAULT_CLUSTER_TYPE),
        Objects.requireNonNullElse(spec.syncMode(), DEFAULT_SYNC_MODE),
        Map.copyOf(labels), TokenHash.of(token), tokenCipher.encrypt(token), at);
  }

  private static Authenticated authenticated(State state, TokenHash presented) {
    return state.active() && state.registration().tokenSha256().matches(presented)
        ? new Authenticated(true, state.registration().namespace(), state.registration().clusterName())
        : new Authenticated(false, null, null);
  }

  private Effect<Event, State> onUpdateStatus(State state, UpdateStatus cmd) {
    if (cmd.presented() != null) {
      Authenticated sender = authenticated(state, cmd.presented().token());
      if (!sender.valid() || !sender.namespace().equals(cmd.presented().namespace())
          || !sender.clusterName().equals(cmd.presented().name())) {
        return Effect().reply(cmd.replyTo(), sender);
      }
    }
    if (!state.active()) {
      return Effect().reply(cmd.replyTo(), new NotFound(clusterId));
    }
    if (cmd.resourceVersion() != null && !cmd.resourceVersion().equals(String.valueOf(state.revision()))) {
      return Effect().reply(cmd.replyTo(), new Conflict(
          "the object has been modified; please apply your changes to the latest version and try again"));
    }
    Instant now = deps.clock().instant();
    lastObservedSecond = now.getEpochSecond();
    silentSince = deps.healthChecks().now();
    bookCheck(silentSince + deps.healthChecks().ticks(unknownAfter(cmd.status())));
    ClusterStatus reported = cmd.status().withLastObservedTime(null);
    ClusterStatus stored = state.status() == null ? null : state.status().withLastObservedTime(null);
    boolean stale = state.statusAt() == null || Duration.between(state.statusAt(), now)
        .compareTo(observedTimePersistInterval(deps.observedTimePersistInterval(), clusterId)) >= 0;
    if (reported.equals(stored) && !stale && state.health() == null) {
      return Effect().reply(cmd.replyTo(), clusterReply(state));
    }
    Registered reg = state.registration();
    long started = System.nanoTime();
    return Effect()
        .persist(new StatusReported(clusterId, reg.namespace(), reg.clusterName(),
            cmd.status().withLastObservedTime(Times.format(now)), now, state.health() != null))
        .thenRun(s -> HubMetrics.get(context.getSystem()).journalWrite("ManagedCluster", System.nanoTime() - started))
        .thenReply(cmd.replyTo(), this::clusterReply);
  }

  /**
   * This cluster's share of the interval: 70-100 % of it, by its ID, so clusters that registered
   * (or came back after a restart) together do not all persist their refresh in the same second.
   * Above 60 %, a 3-minute heartbeat still persists every other beat, never every beat.
   */
  static Duration observedTimePersistInterval(Duration interval, String clusterId) {
    return interval.multipliedBy(70 + Math.floorMod(clusterId.hashCode(), 31)).dividedBy(100);
  }

  private Effect<Event, State> onDeregister(State state, Deregister cmd) {
    if (!state.active()) {
      return Effect().reply(cmd.replyTo(), new NotFound(clusterId));
    }
    Reply last = clusterReply(state);
    Registered reg = state.registration();
    lastObservedSecond = NOT_OBSERVED;
    if (connection != null) {
      connection.tell(new TunnelConnection.Supersede("cluster " + clusterId + " was deregistered"));
    }
    return Effect()
        .persist(new Deregistered(clusterId, reg.namespace(), reg.clusterName(), deps.clock().instant()))
        .thenReply(cmd.replyTo(), s -> last);
  }

  /** Shared by all entities: a handler built per entity costs each running cluster ~100 bytes. */
  private static final EventHandler<State, Event> EVENT_HANDLER = ManagedClusterEntity::apply;

  @Override
  public EventHandler<State, Event> eventHandler() {
    return EVENT_HANDLER;
  }

  /** The state after an event (also how history rebuilds a cluster as it was at a time). */
  static State apply(State state, Event event) {
    if (event instanceof Registered e) {
      return state.next(e);
    } else if (event instanceof StatusReported e) {
      return state.next(e);
    } else if (event instanceof LabelsChanged e) {
      return state.next(e);
    } else if (event instanceof HealthUnknown e) {
      return state.next(e);
    } else if (event instanceof Deregistered) {
      return state.deregistered();
    }
    throw new IllegalArgumentException("unknown event " + event.getClass().getName());
  }

  /** The ManagedCluster a state shows (without the live tunnel), if the cluster is registered. */
  static Optional<ManagedCluster> view(State state) {
    return state.active()
        ? Optional.of(withHealth(managedCluster(state.registration(), state.reportedStatus(), state.revision()),
            state.health()))
        : Optional.empty();
  }

  // --- views ----------------------------------------------------------------------------------

  private Reply clusterReply(State state) {
    if (!state.active()) {
      return new NotFound(clusterId);
    }
    ClusterStatus status = state.reportedStatus();
    if (status != null && lastObservedSecond != NOT_OBSERVED) {
      status = status.withLastObservedTime(Times.format(Instant.ofEpochSecond(lastObservedSecond)));
    }
    return new ClusterFound(withHealth(managedCluster(state.registration(), withTunnel(status), state.revision()),
        state.health()));
  }

  /**
   * status.useSocket and condition Connected from the live tunnel (DESIGN.md "Tunnel protocol");
   * as reported while this entity has seen no tunnel (an agent with SocketConnection off).
   */
  private ClusterStatus withTunnel(ClusterStatus reported) {
    if (connectionChangedAt == null) {
      return reported;
    }
    ClusterStatus s = reported != null ? reported : ClusterStatus.empty();
    boolean connected = connection != null;
    String since = Times.format(connectionChangedAt);
    Condition condition = connected
        ? new Condition("Connected", "True", null, since, "TunnelConnected", "The agent's tunnel is connected to the hub.")
        : new Condition("Connected", "Unknown", null, since, "TunnelDisconnected",
            "The agent's tunnel is not connected to the hub.");
    List<Condition> conditions = new ArrayList<>();
    if (s.conditions() != null) {
      s.conditions().stream().filter(c -> !"Connected".equals(c.type())).forEach(conditions::add);
    }
    conditions.add(condition);
    return new ClusterStatus(s.lastObservedTime(), s.k8sVersion(), s.agentVersion(), s.platform(), s.apiserverURL(),
        s.healthz(), s.livez(), s.readyz(), s.appPusher(), connected, s.allocatable(), s.capacity(), s.clusterCIDR(),
        s.serviceCIDR(), s.nodeStatistics(), s.podStatistics(), s.resourceUsage(), conditions,
        s.heartbeatFrequencySeconds());
  }

  /** The ManagedCluster as an API object; also what the directory projection stores. */
  public static ManagedCluster managedCluster(Registered reg, ClusterStatus status, long revision) {
    ObjectMeta meta = new ObjectMeta(reg.clusterName(), null, reg.namespace(), reg.clusterUid().toString(),
        String.valueOf(revision), 1L, Times.format(reg.at()), null, reg.labels(), null);
    return new ManagedCluster("clusters.clusternet.io/v1beta1", ManagedCluster.KIND, meta,
        new ManagedCluster.Spec(reg.clusterId(), reg.clusterType(), reg.syncMode(), null), status);
  }

  /**
   * Unknown health as Clusternet shows it: condition Ready=Unknown and the NoSchedule taint
   * (so schedulers skip the cluster). Derived at read time, so a report clears both at once.
   */
  public static ManagedCluster withHealth(ManagedCluster cluster, Health health) {
    if (health == null) {
      return cluster;
    }
    String message = health.reason().equals("ClusterStatusNeverUpdated")
        ? "Cluster status has never been updated." : "Flotilla hub stopped receiving cluster status updates.";
    Condition unknown = new Condition("Ready", "Unknown", null, health.since(), health.reason(), message);
    ClusterStatus s = cluster.status() != null ? cluster.status() : ClusterStatus.empty();
    List<Condition> conditions = new ArrayList<>();
    if (s.conditions() != null) {
      s.conditions().stream().filter(c -> !"Ready".equals(c.type())).forEach(conditions::add);
    }
    conditions.add(unknown);
    ClusterStatus status = s.withConditions(conditions);
    ManagedCluster.Spec spec = cluster.spec();
    return new ManagedCluster(cluster.apiVersion(), cluster.kind(), cluster.metadata(),
        new ManagedCluster.Spec(spec.clusterId(), spec.clusterType(), spec.syncMode(),
            List.of(new Taint(TAINT_UNSCHEDULABLE, null, "NoSchedule", health.since()))),
        status);
  }

  /**
   * Answers with the registration request as approved: the journal's Registered event, read back
   * (the running state keeps no request and no token ciphertext).
   */
  private Effect<Event, State> replyWithRequest(State state, ActorRef<Reply> replyTo) {
    if (state.registration().encryptedToken() != null) { // a snapshot from before the state dropped the request
      return Effect().reply(replyTo, new RequestFound(requestView(state, state.registration())));
    }
    context.pipeToSelf(deps.journal()
            .currentEventsByPersistenceId(persistenceId().id(), state.registeredRevision(), state.registeredRevision())
            .map(envelope -> (Registered) envelope.event())
            .runWith(Sink.headOption(), context.getSystem()),
        (read, failure) -> new RegistrationRead(read, failure, replyTo));
    return Effect().none();
  }

  private Effect<Event, State> onRegistrationRead(State state, RegistrationRead read) {
    if (!state.active()) {
      return Effect().reply(read.replyTo(), new NotFound(clusterId));
    }
    Optional<Registered> registration = read.failure() == null ? read.registration() : Optional.empty();
    if (registration.isEmpty() || !registration.get().clusterUid().equals(state.registration().clusterUid())) {
      context.getLog().warn("cluster {}: its registration could not be read back from the journal", clusterId,
          read.failure());
      return Effect().reply(read.replyTo(), new Unavailable("the registration of cluster " + clusterId
          + " could not be read; try again"));
    }
    return Effect().reply(read.replyTo(), new RequestFound(requestView(state, registration.get())));
  }

  /** The request as {@code reg} (the Registered event, whole) approved it. */
  private ClusterRegistrationRequest requestView(State state, Registered reg) {
    Map<String, String> labels = Map.of(
        ManagedCluster.LABEL_CLUSTER_ID, clusterId,
        ManagedCluster.LABEL_CLUSTER_NAME, reg.clusterName(),
        ManagedCluster.LABEL_REGISTERED_BY, reg.labels().get(ManagedCluster.LABEL_REGISTERED_BY));
    ObjectMeta meta = new ObjectMeta(reg.requestName(), null, null, reg.requestUid().toString(),
        String.valueOf(state.revision()), null, Times.format(reg.at()), null, labels, null);
    var status = new ClusterRegistrationRequest.RequestStatus(reg.namespace(),
        deps.tokenCipher().decrypt(reg.encryptedToken()), deps.caCertificateBase64(),
        ClusterRegistrationRequest.APPROVED, null,
        reg.clusterName());
    return new ClusterRegistrationRequest("clusters.clusternet.io/v1beta1", ClusterRegistrationRequest.KIND,
        meta, reg.requestSpec(), status);
  }

  private ClusterRegistrationRequest failedRequestView(Register cmd, String message) {
    return new ClusterRegistrationRequest("clusters.clusternet.io/v1beta1", ClusterRegistrationRequest.KIND,
        ObjectMeta.of(null, cmd.requestName()), cmd.spec(),
        new ClusterRegistrationRequest.RequestStatus(null, null, null, ClusterRegistrationRequest.FAILED, message, null));
  }

  private String generatedNamespace() {
    return "clusternet-" + Secrets.randomLowerAlphanumeric(5);
  }
}
