package io.flotilla.api;

/**
 * JVM settings every Flotilla process needs, applied first thing in its main method.
 *
 * <p>Akka's Java API hands back Scala futures converted to CompletableFutures whose thenApply and
 * thenCompose run asynchronously on the JDK's default async executor. With fewer than three
 * cores the common ForkJoinPool has parallelism 1 and that executor becomes one new thread per
 * stage: measured on a 2-core machine, 27 heartbeats/s with an idle CPU. A common pool of at
 * least {@link #MIN_COMMON_POOL} threads makes those stages cheap again.
 */
public final class JvmDefaults {
  public static final int MIN_COMMON_POOL = 8;
  private static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private JvmDefaults() {}

  /** Must run before anything touches CompletableFuture or ForkJoinPool; an explicit -D setting wins. */
  public static void apply() {
    if (System.getProperty(PARALLELISM) == null) {
      System.setProperty(PARALLELISM,
          String.valueOf(Math.max(MIN_COMMON_POOL, Runtime.getRuntime().availableProcessors())));
    }
  }
}
