package io.flotilla.k8s.sandbox;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for a child cluster's kube-apiserver, for demos ({@code flotilla agent --sandbox}) and tests:
 * plain HTTP on 127.0.0.1, in memory, speaking the Kubernetes REST API well enough for kubectl and
 * client-java (discovery, CRUD with resourceVersion conflicts, status subresources, label and field
 * selectors, paging, watches with bookmarks and 410 on compacted versions, JSON/merge/strategic merge patch,
 * server-side Tables). No controllers run: objects change only when a client changes them. What it serves
 * is listed in {@code ResourceType.ALL}, plus one type per stored CustomResourceDefinition (established at once).
 */
public final class SandboxApiServer implements AutoCloseable {

  /** Tunables; tests shrink them to reach the edges quickly. */
  record Settings(int historySize, int watchQueueCapacity, Duration bookmarkInterval,
                  Duration namespaceFinalizeDelay, Duration minRequestTimeout) {
    /**
     * History as kube's watch cache keeps it; a 1000-event backlog per watcher; bookmarks more often than
     * kube's minute because each one also finds watch clients that left; namespace contents removed after
     * a second (kube's controller takes seconds too, and kubectl delete -f counts on the delay); unbounded
     * watches end after 30–60 minutes as with kube's --min-request-timeout.
     */
    static final Settings DEFAULT = new Settings(5000, 1000, Duration.ofSeconds(10), Duration.ofSeconds(1),
        Duration.ofMinutes(30));
  }

  private static final List<String> INITIAL_NAMESPACES = List.of("default", "kube-system", "kube-public");

  static {
    // The JDK server writes a response's headers and body as separate segments; with Nagle's algorithm on,
    // the body waits for the client's delayed ACK (~40 ms a response). Read once per JVM, so set it early.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer http;
  private final ExecutorService pool;
  private final Store store;

  private SandboxApiServer(HttpServer http, ExecutorService pool, Store store) {
    this.http = http;
    this.pool = pool;
    this.store = store;
  }

  /** An empty cluster (namespaces default, kube-system and kube-public only) on {@code port}, 0 for any free one. */
  public static SandboxApiServer start(int port) {
    return start(port, 0, Settings.DEFAULT);
  }

  /**
   * A cluster with {@code nodes} Ready nodes {@code sandbox-node-0..n-1} (4 CPUs, 16Gi, 110 pods;
   * region/zone labels sandbox/sandbox-a) and Running kube-system pods (coredns, a kube-proxy per node).
   */
  public static SandboxApiServer startSeeded(int port, int nodes) {
    return start(port, nodes, Settings.DEFAULT);
  }

  static SandboxApiServer start(int port, int nodes, Settings settings) {
    Store store = new Store(settings);
    ResourceType namespaces = ResourceType.byKind("Namespace").orElseThrow();
    for (String name : INITIAL_NAMESPACES) {
      ObjectNode namespace = JsonNodeFactory.instance.objectNode();
      namespace.putObject("metadata").put("name", name);
      store.create(namespaces, null, namespace, false);
    }
    Seed.cluster(store, nodes);
    AtomicInteger threads = new AtomicInteger();
    // a cached pool: every open watch holds a thread
    ExecutorService pool = Executors.newCachedThreadPool(r -> {
      Thread thread = new Thread(r, "sandbox-apiserver-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    try {
      HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
      http.setExecutor(pool);
      http.createContext("/", new ApiHandler(store, settings, "127.0.0.1:" + http.getAddress().getPort()));
      http.start();
      return new SandboxApiServer(http, pool, store);
    } catch (IOException e) {
      store.close();
      pool.shutdownNow();
      throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
    }
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public int port() {
    return http.getAddress().getPort();
  }

  /**
   * Writes a kubeconfig for this server (cluster and context {@code sandbox}, a dummy bearer token, namespace
   * default) that kubectl and client-java accept; returns {@code file}.
   */
  public Path writeKubeconfig(Path file) {
    String kubeconfig = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: sandbox
          cluster:
            server: %s
        users:
        - name: sandbox-admin
          user:
            token: sandbox-token
        contexts:
        - name: sandbox
          context:
            cluster: sandbox
            user: sandbox-admin
            namespace: default
        current-context: sandbox
        """.formatted(url());
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      return Files.writeString(file, kubeconfig);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The store behind the API, for tests that seed or inspect state without going through HTTP. */
  Store store() {
    return store;
  }

  /** Ends open watches, stops listening and releases the threads. */
  @Override
  public void close() {
    store.close();
    http.stop(0);
    pool.shutdownNow();
  }
}
