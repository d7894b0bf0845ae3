package io.flotilla.hub;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.stream.Materializer;
import akka.stream.alpakka.cassandra.javadsl.CassandraSession;
import akka.stream.alpakka.cassandra.javadsl.CassandraSessionRegistry;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import io.flotilla.api.Json;
import io.flotilla.hub.cluster.ClusterDirectory;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Benchmarks' fleets: N clusters written straight into the cluster directory and its label
 * index, as the directory projection writes them (registering them through the API would
 * measure registration instead). Cluster i lives in namespace clusternet-b&lt;i&gt;.
 */
public final class DirectorySeed {
  private DirectorySeed() {}

  /** Seeds clusters 0..n-1 with labels(i); answers the seconds it took. */
  public static double seed(ActorSystem<?> system, String keyspace, int n, IntFunction<Map<String, String>> labels)
      throws Exception {
    CassandraSession session = CassandraSessionRegistry.get(system).sessionFor("akka.projection.cassandra.session-config");
    long start = System.nanoTime();
    Source.range(0, n - 1)
        .mapAsyncUnordered(64, i -> seed(session, keyspace, i, labels.apply(i)))
        .runWith(Sink.ignore(), Materializer.matFromSystem(system))
        .toCompletableFuture().get(30, TimeUnit.MINUTES);
    return (System.nanoTime() - start) / 1e9;
  }

  private static CompletionStage<Done> seed(CassandraSession session, String keyspace, int i, Map<String, String> labels) {
    String namespace = String.format("clusternet-b%07d", i);
    String name = "bench-" + i;
    Map<String, Object> cluster = Map.of("apiVersion", "clusters.clusternet.io/v1beta1", "kind", "ManagedCluster",
        "metadata", Map.of("name", name, "namespace", namespace, "labels", labels),
        "spec", Map.of("clusterId", UUID.randomUUID().toString(), "syncMode", "Pull"));
    CompletionStage<Done> row = session.executeWrite("INSERT INTO " + keyspace + "." + ClusterDirectory.TABLE
        + " (namespace, name, cluster_id, resource_version, object) VALUES (?, ?, ?, 1, ?)",
        namespace, name, "id-" + i, Json.writeString(cluster));
    for (Map.Entry<String, String> label : labels.entrySet()) {
      row = row.thenCompose(done -> session.executeWrite("INSERT INTO " + keyspace + "." + ClusterDirectory.LABELS_TABLE
          + " (label_key, label_value, namespace, name) VALUES (?, ?, ?, ?)", label.getKey(), label.getValue(),
          namespace, name));
    }
    return row;
  }

  /** Milliseconds of each of `runs` calls, sorted (for percentiles). */
  public static List<Double> timings(int runs, Runnable call) {
    double[] millis = new double[runs];
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      call.run();
      millis[i] = (System.nanoTime() - start) / 1e6;
    }
    return java.util.Arrays.stream(millis).sorted().boxed().toList();
  }
}
