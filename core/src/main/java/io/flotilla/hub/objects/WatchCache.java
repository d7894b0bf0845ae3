package io.flotilla.hub.objects;

import akka.Done;
import akka.NotUsed;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.StashBuffer;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.cassandra.query.javadsl.CassandraReadJournal;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.Offset;
import akka.persistence.query.PersistenceQuery;
import akka.stream.KillSwitches;
import akka.stream.OverflowStrategy;
import akka.stream.RestartSettings;
import akka.stream.SharedKillSwitch;
import akka.stream.javadsl.RestartSource;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.stream.typed.javadsl.ActorFlow;
import akka.stream.typed.javadsl.ActorSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * This node's window on recent object changes, which its watches are served from (kube-apiserver's
 * watch cache, but without a copy of every object: lists stay with the {@link ObjectIndex}). It
 * follows every tag slice with an eventsByTag query, from where the index stood when the node
 * started, keeps each slice's last `window` changes, and gives a watch the changes after its
 * position, then new ones as they come. A position older than the window answers 410 Expired, and
 * the client lists again. Every node follows the same tag_views, so a change written through any
 * node reaches watches on all of them, and a position means the same on every node. Changes arrive
 * after eventsByTag's eventual-consistency-delay (plus up to its refresh-interval), as lists do.
 */
public final class WatchCache {
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  private static final int STASH_CAPACITY = 10_000;
  private static final Duration READ_PROGRESS_RETRY = Duration.ofSeconds(1);

  /** `flotilla.hub.watch`. */
  public record Settings(int window, Duration bookmarkInterval, Duration defaultTimeout, int watcherBuffer) {
    public static Settings fromConfig(Config watch) {
      return new Settings(watch.getInt("window"), watch.getDuration("bookmark-interval"),
          watch.getDuration("default-timeout"), watch.getInt("watcher-buffer"));
    }
  }

  // --- what a watch receives ------------------------------------------------------------------

  public sealed interface Delivery {}

  /** A change the watch selects: ADDED, MODIFIED or DELETED, the object as stored, the position after it. */
  public record Change(String type, String object, WatchPosition position) implements Delivery {}

  /** Every change up to position has been delivered (allowWatchBookmarks). */
  public record Bookmark(WatchPosition position) implements Delivery {}

  /** The watch's position is older than this node's window; nothing follows. */
  public record Expired(String message) implements Delivery {}

  private enum End implements Delivery { INSTANCE }

  // --- the cache actor's protocol (node-local) ------------------------------------------------

  private sealed interface Command {}

  private enum ReadProgress implements Command { INSTANCE }

  private record Started(WatchPosition from, Throwable failure) implements Command {}

  private record Head(int slice, ActorRef<Offset> replyTo) implements Command {}

  private record Append(int slice, EventEnvelope envelope, ActorRef<Done> replyTo) implements Command {}

  private record Subscribe(WatchFilter filter, WatchPosition from, boolean bookmarks, ActorRef<Delivery> watcher)
      implements Command {}

  private record WatcherGone(ActorRef<Delivery> watcher) implements Command {}

  private enum SendBookmarks implements Command { INSTANCE }

  private final ActorRef<Command> cache;
  private final Settings settings;

  private WatchCache(ActorRef<Command> cache, Settings settings) {
    this.cache = cache;
    this.settings = settings;
  }

  /** Starts this node's cache; it begins where the index stands now. */
  public static WatchCache start(ActorSystem<?> system, ObjectIndex index, Settings settings) {
    ActorRef<Command> cache = system.systemActorOf(
        Behaviors.<Command>withStash(STASH_CAPACITY, stash -> Behaviors.setup(context -> Behaviors.withTimers(timers -> {
          timers.startTimerWithFixedDelay(SendBookmarks.INSTANCE, settings.bookmarkInterval());
          context.getSelf().tell(ReadProgress.INSTANCE);
          return new Cache(context, stash, timers, index, settings).starting();
        }))), "object-watch-cache", Props.empty());
    return new WatchCache(cache, settings);
  }

  public Settings settings() {
    return settings;
  }

  /**
   * The changes after `from` that the filter selects, then new ones, until the source is cancelled;
   * a watcher that falls `watcher-buffer` deliveries behind fails (its client watches again, as
   * kube-apiserver makes slow watchers do).
   */
  public Source<Delivery, NotUsed> watch(WatchFilter filter, WatchPosition from, boolean bookmarks) {
    return ActorSource.<Delivery>actorRef(delivery -> delivery == End.INSTANCE, delivery -> Optional.empty(),
            settings.watcherBuffer(), OverflowStrategy.fail())
        .mapMaterializedValue(watcher -> {
          cache.tell(new Subscribe(filter, from, bookmarks, watcher));
          return NotUsed.getInstance();
        });
  }

  /** One change in a slice's window; labelsBefore are the object's labels before it (null: not known). */
  private record Entry(int slice, Offset offset, String key, String type, String object, Map<String, String> labels,
      Map<String, String> labelsBefore) {}

  /** An open watch: what it selects and how far it has been given the changes of each slice. */
  private static final class Watcher {
    final WatchFilter filter;
    final boolean bookmarks;
    WatchPosition position;

    Watcher(WatchFilter filter, boolean bookmarks, WatchPosition position) {
      this.filter = filter;
      this.bookmarks = bookmarks;
      this.position = position;
    }
  }

  private static final class Cache {
    private final ActorContext<Command> context;
    private final StashBuffer<Command> stash;
    private final TimerScheduler<Command> timers;
    private final ObjectIndex index;
    private final Settings settings;
    private final SharedKillSwitch feeds = KillSwitches.shared("object-watch-feeds");
    private final List<ArrayDeque<Entry>> windows = new ArrayList<>();
    /** Per slice: the offset of the newest change seen, and of the newest one dropped from the window. */
    private WatchPosition head;
    private WatchPosition floor;
    /** The labels of every existing object changed since this node started, to tell when a change leaves a selection. */
    private final Map<String, Map<String, String>> labelsByKey = new HashMap<>();
    private final Map<ActorRef<Delivery>, Watcher> watchers = new LinkedHashMap<>();

    Cache(ActorContext<Command> context, StashBuffer<Command> stash, TimerScheduler<Command> timers, ObjectIndex index,
        Settings settings) {
      this.context = context;
      this.stash = stash;
      this.timers = timers;
      this.index = index;
      this.settings = settings;
      for (int slice = 0; slice < ObjectEntity.INDEX_SLICES; slice++) {
        windows.add(new ArrayDeque<>());
      }
    }

    Behavior<Command> starting() {
      return Behaviors.receive(Command.class)
          .onMessageEquals(ReadProgress.INSTANCE, () -> {
            context.pipeToSelf(index.progress(), Started::new);
            return Behaviors.same();
          })
          .onMessage(Started.class, started -> {
            if (started.failure() != null) {
              context.getLog().warn("cannot read the object index's progress; watches wait", started.failure());
              timers.startSingleTimer(ReadProgress.INSTANCE, READ_PROGRESS_RETRY);
              return Behaviors.same();
            }
            head = started.from();
            floor = started.from();
            follow();
            return stash.unstashAll(running());
          })
          .onMessageEquals(SendBookmarks.INSTANCE, Behaviors::same)
          .onAnyMessage(command -> {
            stash.stash(command);
            return Behaviors.same();
          })
          .build();
    }

    /** One eventsByTag query per slice into this actor, restarted from the slice's head after failures. */
    private void follow() {
      ActorSystem<Void> system = context.getSystem();
      CassandraReadJournal journal = PersistenceQuery.get(system)
          .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
      ActorRef<Command> self = context.getSelf();
      RestartSettings restarts = RestartSettings.create(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);
      for (int slice = 0; slice < ObjectEntity.INDEX_SLICES; slice++) {
        int tagSlice = slice;
        RestartSource.withBackoff(restarts, () -> Source.completionStage(AskPattern.<Command, Offset>ask(self,
                    replyTo -> new Head(tagSlice, replyTo), ASK_TIMEOUT, system.scheduler()))
                .flatMapConcat(offset -> journal.eventsByTag(ObjectEntity.tag(tagSlice), offset))
                .via(ActorFlow.<EventEnvelope, Command, Done>ask(self, ASK_TIMEOUT,
                    (envelope, replyTo) -> new Append(tagSlice, envelope, replyTo))))
            .via(feeds.flow())
            .runWith(Sink.ignore(), system);
      }
    }

    Behavior<Command> running() {
      return Behaviors.receive(Command.class)
          .onMessage(Head.class, command -> {
            command.replyTo().tell(head.offset(command.slice()));
            return Behaviors.same();
          })
          .onMessage(Append.class, this::onAppend)
          .onMessage(Subscribe.class, this::onSubscribe)
          .onMessage(WatcherGone.class, gone -> {
            watchers.remove(gone.watcher());
            return Behaviors.same();
          })
          .onMessageEquals(SendBookmarks.INSTANCE, () -> {
            watchers.forEach((ref, watcher) -> {
              if (watcher.bookmarks) {
                ref.tell(new Bookmark(watcher.position));
              }
            });
            return Behaviors.same();
          })
          .onSignal(PostStop.class, signal -> {
            feeds.shutdown();
            return Behaviors.same();
          })
          .build();
    }

    private Behavior<Command> onAppend(Append append) {
      int slice = append.slice();
      Offset offset = append.envelope().offset();
      ObjectEntity.Event event = (ObjectEntity.Event) append.envelope().event();
      String type = event instanceof ObjectEntity.Created ? "ADDED"
          : event instanceof ObjectEntity.Updated ? "MODIFIED" : "DELETED";
      Map<String, String> labels = labels(event.object());
      Map<String, String> labelsBefore = type.equals("DELETED") ? labelsByKey.remove(event.key())
          : labelsByKey.put(event.key(), labels);
      Entry entry = new Entry(slice, offset, event.key(), type, event.object(), labels, labelsBefore);
      ArrayDeque<Entry> window = windows.get(slice);
      window.addLast(entry);
      if (window.size() > settings.window()) {
        floor = floor.with(slice, window.removeFirst().offset());
      }
      if (WatchPosition.isAfter(offset, head.offset(slice))) {
        head = head.with(slice, offset);
      }
      watchers.forEach((ref, watcher) -> deliver(ref, watcher, entry));
      append.replyTo().tell(Done.getInstance());
      return Behaviors.same();
    }

    private Behavior<Command> onSubscribe(Subscribe subscribe) {
      for (int slice = 0; slice < ObjectEntity.INDEX_SLICES; slice++) {
        if (WatchPosition.isAfter(floor.offset(slice), subscribe.from().offset(slice))) {
          subscribe.watcher().tell(new Expired("too old resource version: the changes after it are no longer kept"));
          subscribe.watcher().tell(End.INSTANCE);
          return Behaviors.same();
        }
      }
      Watcher watcher = new Watcher(subscribe.filter(), subscribe.bookmarks(), subscribe.from());
      replay(subscribe.watcher(), watcher);
      watchers.put(subscribe.watcher(), watcher);
      context.watchWith(subscribe.watcher(), new WatcherGone(subscribe.watcher()));
      return Behaviors.same();
    }

    /** The window's changes after the watcher's position, the slices merged in offset order. */
    private void replay(ActorRef<Delivery> ref, Watcher watcher) {
      List<Iterator<Entry>> slices = windows.stream().map(ArrayDeque::iterator).toList();
      Entry[] next = new Entry[slices.size()];
      for (int slice = 0; slice < next.length; slice++) {
        next[slice] = slices.get(slice).hasNext() ? slices.get(slice).next() : null;
      }
      while (true) {
        int earliest = -1;
        for (int slice = 0; slice < next.length; slice++) {
          if (next[slice] != null && (earliest < 0 || WatchPosition.isAfter(next[earliest].offset(), next[slice].offset()))) {
            earliest = slice;
          }
        }
        if (earliest < 0) {
          return;
        }
        deliver(ref, watcher, next[earliest]);
        next[earliest] = slices.get(earliest).hasNext() ? slices.get(earliest).next() : null;
      }
    }

    /**
     * Gives the watcher a change it has not had yet, if it selects it; as kube's watch cache, an
     * update that moves an object into the selection is ADDED and one that moves it out DELETED.
     * When the labels before are not known (the object last changed before this node started) the
     * object is taken to have been selected: a client told DELETED of an object it never had ignores it.
     */
    private void deliver(ActorRef<Delivery> ref, Watcher watcher, Entry entry) {
      if (!WatchPosition.isAfter(entry.offset(), watcher.position.offset(entry.slice()))) {
        return;
      }
      watcher.position = watcher.position.with(entry.slice(), entry.offset());
      if (!watcher.filter.watches(entry.key())) {
        return;
      }
      boolean selected = watcher.filter.selects(entry.labels());
      boolean selectedBefore = entry.labelsBefore() == null || watcher.filter.selects(entry.labelsBefore());
      String type = switch (entry.type()) {
        case "MODIFIED" -> selected ? (selectedBefore ? "MODIFIED" : "ADDED") : (selectedBefore ? "DELETED" : null);
        default -> selected ? entry.type() : null;
      };
      if (type != null) {
        ref.tell(new Change(type, entry.object(), watcher.position));
      }
    }

    private static Map<String, String> labels(String object) {
      Map<String, String> labels = new HashMap<>();
      JsonNode node = ObjectEntity.parseObject(object).path("metadata").path("labels");
      node.fields().forEachRemaining(label -> labels.put(label.getKey(), label.getValue().asText()));
      return labels;
    }
  }
}
