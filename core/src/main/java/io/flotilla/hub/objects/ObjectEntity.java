package io.flotilla.hub.objects;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.CborSerializable;
import io.flotilla.api.Json;
import io.flotilla.api.Times;
import io.flotilla.hub.HubMetrics;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * One Kubernetes-style object (a feed template, a Subscription, a HelmChart, ...), keyed by
 * `<group>/<plural>/<namespace or _>/<name>`. It owns what kube-apiserver's registry owns: uid,
 * creationTimestamp, generation, resourceVersion (optimistic concurrency) and deletion with
 * finalizers. Kind rules (validation, defaults, status subresource, encryption) run before a
 * command reaches it, so the entity stores whatever JSON it is given as a String.
 *
 * resourceVersion is per object: this entity's write counter. It keeps counting across a delete
 * and re-create, so a version from an earlier incarnation never matches again.
 */
public final class ObjectEntity
    extends EventSourcedBehaviorWithEnforcedReplies<ObjectEntity.Command, ObjectEntity.Event, ObjectEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Object");

  /** Events are tagged into this many slices, one index projection each. Never change it on a live store. */
  public static final int INDEX_SLICES = 4;

  // --- commands -------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Stores a new object whose metadata.name is set; the caller has validated and defaulted it. */
  public record Create(String object, boolean dryRun, ActorRef<Reply> replyTo) implements Command {}

  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /** Replaces the object if its resourceVersion is still expectedVersion (kube's GuaranteedUpdate step). */
  public record Update(String object, long expectedVersion, boolean dryRun, ActorRef<Reply> replyTo)
      implements Command {}

  /** Deletes the object, or marks it for deletion while it has finalizers; expectedVersion 0 is unconditional. */
  public record Delete(long expectedVersion, boolean dryRun, ActorRef<Reply> replyTo) implements Command {}

  // --- replies --------------------------------------------------------------------------------

  public sealed interface Reply extends CborSerializable {}

  /** The object as stored (after a delete: as it was deleted, or with its deletionTimestamp). */
  public record Found(String object, long resourceVersion) implements Reply {}

  public record Missing() implements Reply {}

  public record AlreadyExists() implements Reply {}

  public record Conflict() implements Reply {}

  // --- events and state -----------------------------------------------------------------------

  /** What the registry stamps on an object; the same values are in the stored object's metadata. */
  public record Stamp(String uid, String creationTimestamp, long generation, long resourceVersion,
      String deletionTimestamp) implements CborSerializable {}

  public sealed interface Event extends CborSerializable {
    String key();

    /** The object after the event, as stored (for Deleted: as it was deleted). */
    String object();
  }

  public record Created(String key, String object, Stamp stamp) implements Event {}

  public record Updated(String key, String object, Stamp stamp) implements Event {}

  public record Deleted(String key, String object, long resourceVersion) implements Event {}

  /** object and stamp are null while the object does not exist; revision survives deletion. */
  public record State(String object, Stamp stamp, long revision) implements CborSerializable {
    boolean exists() {
      return object != null;
    }
  }

  // --- behavior -------------------------------------------------------------------------------

  private final String key;
  private final Clock clock;
  private final HubMetrics metrics;

  private ObjectEntity(String key, Clock clock, HubMetrics metrics) {
    super(PersistenceId.of(ENTITY_KEY.name(), key));
    this.key = key;
    this.clock = clock;
    this.metrics = metrics;
  }

  public static Behavior<Command> create(String key, Clock clock) {
    return Behaviors.setup(context -> new ObjectEntity(key, clock, HubMetrics.get(context.getSystem())));
  }

  /** The entity key of an object; cluster-scoped objects have namespace null, the core group is "core". */
  public static String key(String group, String plural, String namespace, String name) {
    return (group.isEmpty() ? "core" : group) + "/" + plural + "/" + (namespace == null ? "_" : namespace) + "/" + name;
  }

  public static String tagFor(String key) {
    return tag(Math.floorMod(key.hashCode(), INDEX_SLICES));
  }

  public static String tag(int slice) {
    return "objects-" + slice;
  }

  @Override
  public State emptyState() {
    return new State(null, null, 0);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(tagFor(event.key()));
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), current(state)))
        .onCommand(Create.class, this::onCreate)
        .onCommand(Update.class, this::onUpdate)
        .onCommand(Delete.class, this::onDelete)
        .build();
  }

  private ReplyEffect<Event, State> onCreate(State state, Create cmd) {
    if (state.exists()) {
      return Effect().reply(cmd.replyTo(), new AlreadyExists());
    }
    Stamp stamp = new Stamp(UUID.randomUUID().toString(), Times.format(clock.instant()), 1, state.revision() + 1, null);
    return write(new Created(key, render(parseObject(cmd.object()), stamp), stamp), cmd.dryRun(), cmd.replyTo());
  }

  private ReplyEffect<Event, State> onUpdate(State state, Update cmd) {
    if (!state.exists()) {
      return Effect().reply(cmd.replyTo(), new Missing());
    }
    if (cmd.expectedVersion() != state.revision()) {
      return Effect().reply(cmd.replyTo(), new Conflict());
    }
    ObjectNode old = parseObject(state.object());
    ObjectNode desired = parseObject(cmd.object());
    Stamp was = state.stamp();
    // as kube: generation counts changes of the desired state, not of metadata or status
    long generation = was.generation() + (withoutMetadataAndStatus(old).equals(withoutMetadataAndStatus(desired)) ? 0 : 1);
    Stamp unchanged = new Stamp(was.uid(), was.creationTimestamp(), generation, was.resourceVersion(),
        was.deletionTimestamp());
    if (parseObject(render(desired.deepCopy(), unchanged)).equals(old)) {
      return Effect().reply(cmd.replyTo(), current(state)); // a no-op write keeps its resourceVersion
    }
    Stamp stamp = new Stamp(was.uid(), was.creationTimestamp(), generation, state.revision() + 1,
        was.deletionTimestamp());
    String object = render(desired, stamp);
    if (was.deletionTimestamp() != null && finalizers(desired).isEmpty()) {
      return write(new Deleted(key, object, stamp.resourceVersion()), cmd.dryRun(), cmd.replyTo());
    }
    return write(new Updated(key, object, stamp), cmd.dryRun(), cmd.replyTo());
  }

  private ReplyEffect<Event, State> onDelete(State state, Delete cmd) {
    if (!state.exists()) {
      return Effect().reply(cmd.replyTo(), new Missing());
    }
    if (cmd.expectedVersion() != 0 && cmd.expectedVersion() != state.revision()) {
      return Effect().reply(cmd.replyTo(), new Conflict());
    }
    ObjectNode object = parseObject(state.object());
    Stamp was = state.stamp();
    if (finalizers(object).isEmpty()) {
      Stamp last = new Stamp(was.uid(), was.creationTimestamp(), was.generation(), state.revision() + 1,
          was.deletionTimestamp());
      return write(new Deleted(key, render(object, last), last.resourceVersion()), cmd.dryRun(), cmd.replyTo());
    }
    if (was.deletionTimestamp() != null) {
      return Effect().reply(cmd.replyTo(), current(state));
    }
    // finalizers: kept until their owners remove them (an update that empties the list deletes it)
    Stamp marked = new Stamp(was.uid(), was.creationTimestamp(), was.generation(), state.revision() + 1,
        Times.format(clock.instant()));
    return write(new Updated(key, render(object, marked), marked), cmd.dryRun(), cmd.replyTo());
  }

  /** Persists the event and answers with its object; a dry run answers the same and persists nothing. */
  private ReplyEffect<Event, State> write(Event event, boolean dryRun, ActorRef<Reply> replyTo) {
    Reply reply = new Found(event.object(), resourceVersion(event));
    if (dryRun) {
      return Effect().reply(replyTo, reply);
    }
    long started = System.nanoTime();
    return Effect().persist(event)
        .thenRun(s -> metrics.journalWrite("object", System.nanoTime() - started))
        .thenReply(replyTo, s -> reply);
  }

  private static long resourceVersion(Event event) {
    if (event instanceof Created created) {
      return created.stamp().resourceVersion();
    }
    return event instanceof Updated updated ? updated.stamp().resourceVersion() : ((Deleted) event).resourceVersion();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Created.class, (state, e) -> new State(e.object(), e.stamp(), e.stamp().resourceVersion()))
        .onEvent(Updated.class, (state, e) -> new State(e.object(), e.stamp(), e.stamp().resourceVersion()))
        .onEvent(Deleted.class, (state, e) -> new State(null, null, e.resourceVersion()))
        .build();
  }

  private static Reply current(State state) {
    return state.exists() ? new Found(state.object(), state.revision()) : new Missing();
  }

  /** The object with the registry's fields written into its metadata (client values for them are ignored). */
  static String render(ObjectNode object, Stamp stamp) {
    ObjectNode metadata = object.withObjectProperty("metadata");
    metadata.remove(List.of("selfLink", "managedFields", "deletionGracePeriodSeconds"));
    metadata.put("uid", stamp.uid());
    metadata.put("resourceVersion", String.valueOf(stamp.resourceVersion()));
    metadata.put("generation", stamp.generation());
    metadata.put("creationTimestamp", stamp.creationTimestamp());
    if (stamp.deletionTimestamp() == null) {
      metadata.remove("deletionTimestamp");
    } else {
      metadata.put("deletionTimestamp", stamp.deletionTimestamp());
    }
    return Json.writeString(object);
  }

  private static JsonNode withoutMetadataAndStatus(ObjectNode object) {
    ObjectNode copy = object.deepCopy();
    copy.remove(List.of("metadata", "status"));
    return copy;
  }

  private static JsonNode finalizers(ObjectNode object) {
    return object.path("metadata").path("finalizers");
  }

  /** A stored object (always a JSON object) as a tree. */
  public static ObjectNode parseObject(String object) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(object);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored object is not JSON", e);
    }
  }
}
