package io.flotilla.k8s.sandbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One open watch. The store offers it every event while holding its lock; the watch's HTTP thread
 * takes them with {@link #next}. The queue is bounded so a slow reader never blocks writers: a watcher
 * that falls {@code capacity} events behind is closed, as kube-apiserver does, and its client re-watches
 * from the last resourceVersion it saw.
 */
final class Watcher {

  /** One line of the watch stream; {@code object} is shared with the store and must not be mutated. */
  record Delivery(String type, ObjectNode object) {
  }

  private static final Delivery END = new Delivery("END", null);

  final Filter filter;
  final boolean bookmarks;
  private final Deque<Delivery> initial;
  private final BlockingQueue<Delivery> queue = new LinkedBlockingQueue<>();
  private final int capacity;
  private final AtomicBoolean closed = new AtomicBoolean();

  Watcher(Filter filter, boolean bookmarks, List<Delivery> initial, int capacity) {
    this.filter = filter;
    this.bookmarks = bookmarks;
    this.initial = new ArrayDeque<>(initial);
    this.capacity = capacity;
  }

  /**
   * What a watch with {@code filter} sees of a change: objects entering the selection are ADDED, leaving it
   * DELETED (kube's watch cache does the same); null when the change is outside the selection.
   */
  static Delivery translate(Filter filter, Store.Event event) {
    if (!event.type().equals(filter.type())) {
      return null;
    }
    boolean matchesNow = filter.matches(event.object());
    boolean matchedBefore = event.previous() != null && filter.matches(event.previous());
    return switch (event.action()) {
      case "ADDED" -> matchesNow ? new Delivery("ADDED", event.object()) : null;
      case "DELETED" -> matchesNow ? new Delivery("DELETED", event.object()) : null;
      default -> matchesNow
          ? new Delivery(matchedBefore ? "MODIFIED" : "ADDED", event.object())
          : matchedBefore ? new Delivery("DELETED", event.object()) : null;
    };
  }

  /** Called with the store lock held; false when the watcher is (now) closed and should be dropped. */
  boolean offer(Delivery delivery) {
    if (closed.get()) {
      return false;
    }
    if (queue.size() >= capacity) {
      close();
      return false;
    }
    queue.add(delivery);
    return true;
  }

  void close() {
    if (closed.compareAndSet(false, true)) {
      queue.add(END);
    }
  }

  /** The next delivery, null when none came within the timeout, or {@link #isEnd} once closed and drained. */
  Delivery next(long timeoutMillis) throws InterruptedException {
    Delivery first = initial.poll();
    return first != null ? first : queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  static boolean isEnd(Delivery delivery) {
    return delivery == END;
  }
}
