package io.flotilla.hub.http;

import akka.NotUsed;
import akka.stream.Materializer;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.ListMeta;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.ObjectList;
import io.flotilla.api.PrinterColumn;
import io.flotilla.api.ResourceType;
import io.flotilla.api.StatusException;
import io.flotilla.api.Validation;
import io.flotilla.hub.History;
import io.flotilla.hub.HubMetrics;
import io.flotilla.hub.cluster.ClusterChanges;
import io.flotilla.hub.cluster.ClusterDirectory;
import io.flotilla.hub.cluster.ClusterHistory;
import io.flotilla.hub.cluster.ClusterRegistry;
import io.flotilla.hub.cluster.ManagedClusterEntity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * ManagedClusters. Reads of one object go to its entity (always current); lists come from the
 * cluster directory read model. Admin sees all; a cluster's token sees and reports only its own.
 */
public final class ManagedClusterHandler implements ResourceHandler {
  public static final ResourceType TYPE = new ResourceType("clusters.clusternet.io", "v1beta1",
      ManagedCluster.KIND, "managedclusters", "managedcluster", List.of("mcls"), true,
      List.of("get", "list", "watch", "patch", "delete"), List.of("status", "history"),
      List.of(PrinterColumn.of("CLUSTER ID", ".spec.clusterId"), PrinterColumn.of("CLUSTER TYPE", ".spec.clusterType"),
          PrinterColumn.of("SYNC MODE", ".spec.syncMode"), PrinterColumn.of("KUBERNETES", ".status.k8sVersion"),
          PrinterColumn.of("READYZ", ".status.readyz"), PrinterColumn.age()));

  private final ClusterRegistry clusters;
  private final ClusterDirectory directory;
  private final Materializer materializer;
  private final ClusterHistory history;
  private final ClusterChanges changes;
  private final HubMetrics metrics;
  /** A watch without timeoutSeconds ends after this (clients watch again), below the server's idle timeout. */
  private static final Duration WATCH_TIMEOUT = Duration.ofMinutes(5);

  public ManagedClusterHandler(ClusterRegistry clusters, ClusterDirectory directory, ClusterHistory history,
      ClusterChanges changes, Materializer materializer, HubMetrics metrics) {
    this.metrics = metrics;
    this.changes = changes;
    this.clusters = clusters;
    this.directory = directory;
    this.materializer = materializer;
    this.history = history;
  }

  @Override
  public ResourceType type() {
    return TYPE;
  }

  @Override
  public CompletionStage<Response> list(Request request) {
    Selection selection = Selection.of(request);
    Predicate<ManagedCluster> selected = cluster -> selection.matches(
        cluster.metadata().labels() == null ? Map.of() : cluster.metadata().labels(),
        cluster.metadata().namespace(), cluster.metadata().name());
    String listedAt = String.valueOf(System.currentTimeMillis()); // a watch from it sees every later change
    CompletionStage<ClusterDirectory.Page> page;
    if (request.principal().readsFleet()) {
      page = directory.page(request.namespace(), selection.labels(), selected, selection.limit(),
          request.param("continue"), materializer);
    } else if (request.principal() instanceof Principal.Cluster own) {
      page = current(own.clusterId()).thenApply(cluster -> new ClusterDirectory.Page(
          (request.namespace() == null || request.namespace().equals(cluster.metadata().namespace()))
              && selected.test(cluster) ? List.of(cluster) : List.of(), null));
    } else {
      throw forbidden();
    }
    return page.thenApply(p -> Response.ok(new ObjectList<>(TYPE.groupVersion(), TYPE.listKind(),
        new ListMeta(listedAt, p.continueToken()), p.clusters())));
  }

  /**
   * kube's watch for the admin: from a list's resourceVersion (the time it began), the changes
   * since; without one (or "0"), ADDED for the current clusters first. Selectors as for lists.
   */
  @Override
  public CompletionStage<Source<WatchEvent, NotUsed>> watch(Request request) {
    if (!request.principal().readsFleet()) {
      throw forbidden();
    }
    Selection selection = Selection.of(request);
    Predicate<ManagedCluster> selected = cluster -> (request.namespace() == null
        || request.namespace().equals(cluster.metadata().namespace()))
        && selection.matches(cluster.metadata().labels() == null ? Map.of() : cluster.metadata().labels(),
            cluster.metadata().namespace(), cluster.metadata().name());
    String from = request.param("resourceVersion");
    Duration timeout = Duration.ofSeconds(parseLong(request.param("timeoutSeconds"), WATCH_TIMEOUT.toSeconds()));
    Source<WatchEvent, NotUsed> live;
    CompletionStage<List<ManagedCluster>> initial;
    if (from == null || from.isEmpty() || from.equals("0")) {
      long now = System.currentTimeMillis();
      live = liveChanges(now, selected);
      initial = directory.page(request.namespace(), selection.labels(), selected, 0, null, materializer)
          .thenApply(ClusterDirectory.Page::clusters);
    } else {
      live = liveChanges(parseLong(from, -1), selected);
      initial = CompletableFuture.completedFuture(List.of());
    }
    return initial.thenApply(clusters -> Source.from(clusters)
        .map(cluster -> new WatchEvent("ADDED", Json.MAPPER.valueToTree(cluster)))
        .concat(live)
        .takeWithin(timeout));
  }

  private Source<WatchEvent, NotUsed> liveChanges(long fromMillis, Predicate<ManagedCluster> selected) {
    if (fromMillis < 0) {
      throw StatusException.badRequest("resourceVersion is not one this hub gave for managedclusters");
    }
    return changes.after(fromMillis)
        .filter(change -> change.cluster() == null || selected.test(change.cluster()))
        .map(change -> new WatchEvent(change.type(), change.cluster() != null
            ? Json.MAPPER.valueToTree(change.cluster())
            : Json.MAPPER.createObjectNode().put("apiVersion", TYPE.groupVersion()).put("kind", TYPE.kind())
                .set("metadata", Json.MAPPER.createObjectNode().put("namespace", change.namespace())
                    .put("name", change.name()))));
  }

  private static long parseLong(String text, long otherwise) {
    try {
      return text == null ? otherwise : Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw StatusException.badRequest("not a number: " + text);
    }
  }

  @Override
  public CompletionStage<Response> get(Request request) {
    if ("history".equals(request.subresource())) {
      History.Query query = HistoryQueries.of(request);
      return resolve(request)
          .thenCompose(cluster -> history.read(cluster.spec().clusterId(), cluster.metadata().namespace(), query))
          .thenApply(page -> Response.ok(HistoryQueries.list(TYPE.groupVersion(), "ClusterHistory", page)));
    }
    if (request.param("at") != null) {
      Instant at = HistoryQueries.instant(request.param("at"));
      return resolve(request)
          .thenCompose(cluster -> history.at(cluster.spec().clusterId(), at))
          .thenApply(then -> Response.ok(then.orElseThrow(() -> StatusException.notFound(TYPE,
              request.name() + " at " + request.param("at")))));
    }
    return resolve(request).thenApply(Response::ok);
  }

  /** A status report (PUT of the status subresource) checks its cluster token in its one ask. */
  @Override
  public boolean checksClusterTokens(String method, String subresource) {
    return method.equals("PUT") && "status".equals(subresource);
  }

  @Override
  public CompletionStage<Response> update(Request request) {
    if (!"status".equals(request.subresource())) {
      throw StatusException.methodNotAllowed("ManagedCluster spec updates are not supported yet; PUT the status subresource");
    }
    if (request.principal() instanceof Principal.ClusterClaim claim) {
      return reportStatus(claim, request);
    }
    if (!(request.principal() instanceof Principal.Cluster own)) {
      throw StatusException.forbidden("only the cluster's own token may report its status");
    }
    ManagedCluster body = statusReport(request);
    requireOwn(own, request);
    return updateStatus(own.clusterId(), body, null, request);
  }

  /**
   * A status report with its token unchecked: checked by the entity in the same ask as the update.
   * A report that is itself invalid is answered only once its token is known good (401 first, as
   * for every other request).
   */
  private CompletionStage<Response> reportStatus(Principal.ClusterClaim claim, Request request) {
    ManagedCluster body;
    try {
      body = statusReport(request);
    } catch (StatusException invalid) {
      return clusters.ask(claim.clusterId(), replyTo -> new ManagedClusterEntity.Authenticate(claim.token(), replyTo))
          .thenApply(reply -> {
            own(claim.clusterId(), reply, request);
            throw invalid;
          });
    }
    return updateStatus(claim.clusterId(), body,
        new ManagedClusterEntity.Presented(claim.token(), request.namespace(), request.name()), request);
  }

  /** The sender the entity found for a claim: 401 for a wrong token, 403 for another cluster's path. */
  private static void own(String clusterId, ManagedClusterEntity.Reply reply, Request request) {
    if (!(reply instanceof ManagedClusterEntity.Authenticated sender) || !sender.valid()) {
      throw StatusException.unauthorized();
    }
    requireOwn(new Principal.Cluster(clusterId, sender.namespace(), sender.clusterName()), request);
  }

  /** The body of a status report, checked against the request's path. */
  private static ManagedCluster statusReport(Request request) {
    ResourceRoutes.requireTypeMeta(request.body(), TYPE);
    ManagedCluster body = Json.convert(request.body(), ManagedCluster.class);
    String bodyName = body.metadata() == null ? null : body.metadata().name();
    String bodyNamespace = body.metadata() == null ? null : body.metadata().namespace();
    if (bodyName != null && !bodyName.equals(request.name())) {
      throw StatusException.badRequest("the name of the object (" + bodyName
          + ") does not match the name on the URL (" + request.name() + ")");
    }
    if (bodyNamespace != null && !bodyNamespace.equals(request.namespace())) {
      throw StatusException.badRequest("the namespace of the object (" + bodyNamespace
          + ") does not match the namespace on the URL (" + request.namespace() + ")");
    }
    new Validation().required("status", body.status())
        .check(body.status() == null || body.status().heartbeatFrequencySeconds() == null
            || body.status().heartbeatFrequencySeconds() > 0, "status.heartbeatFrequencySeconds", "must be positive")
        .throwIfInvalid(TYPE.kind(), request.name());
    return body;
  }

  private CompletionStage<Response> updateStatus(String clusterId, ManagedCluster body,
      ManagedClusterEntity.Presented presented, Request request) {
    String resourceVersion = body.metadata() == null ? null : body.metadata().resourceVersion();
    long started = System.nanoTime();
    return clusters.ask(clusterId,
        replyTo -> new ManagedClusterEntity.UpdateStatus(body.status(), resourceVersion, presented, replyTo))
        .thenApply(reply -> {
          if (presented != null && reply instanceof ManagedClusterEntity.Authenticated) {
            own(clusterId, reply, request);
          }
          if (reply instanceof ManagedClusterEntity.Conflict conflict) {
            throw StatusException.conflict(TYPE, request.name(), conflict.message());
          }
          Response response = Response.ok(found(reply, request.name()));
          metrics.statusReport(Duration.ofNanos(System.nanoTime() - started));
          return response;
        });
  }

  /** Label changes (the agent's label aggregation, `kubectl label`): only metadata.labels may be patched so far. */
  @Override
  public CompletionStage<Response> mergePatch(Request request) {
    if (request.subresource() != null) {
      throw StatusException.methodNotAllowed("patching the status subresource is not supported; PUT it");
    }
    JsonNode patch = request.body();
    Validation v = new Validation();
    patch.fieldNames().forEachRemaining(field -> v.check(field.equals("metadata") || field.equals("apiVersion")
        || field.equals("kind"), field, "only metadata.labels can be patched"));
    JsonNode metadata = patch.path("metadata");
    metadata.fieldNames().forEachRemaining(field -> v.check(field.equals("labels") || field.equals("resourceVersion")
        || field.equals("name") || field.equals("namespace"), "metadata." + field, "only metadata.labels can be patched"));
    Map<String, String> set = new LinkedHashMap<>();
    List<String> remove = new ArrayList<>();
    metadata.path("labels").fields().forEachRemaining(label -> {
      v.check(!label.getKey().startsWith(ManagedClusterEntity.PROTECTED_LABEL_PREFIX), "metadata.labels",
          "label " + label.getKey() + " is set by the hub and cannot be changed");
      if (label.getValue().isNull()) {
        remove.add(label.getKey());
      } else {
        v.check(label.getValue().isTextual(), "metadata.labels[" + label.getKey() + "]", "must be a string");
        set.put(label.getKey(), label.getValue().asText());
      }
    });
    v.labels("metadata.labels", set).throwIfInvalid(TYPE.kind(), request.name());
    String resourceVersion = metadata.hasNonNull("resourceVersion") ? metadata.get("resourceVersion").asText() : null;
    if (!(request.principal() instanceof Principal.Admin) && !(request.principal() instanceof Principal.Cluster)) {
      throw forbidden();
    }
    return resolve(request)
        .thenCompose(cluster -> clusters.ask(cluster.spec().clusterId(),
            replyTo -> new ManagedClusterEntity.UpdateLabels(set, remove, resourceVersion, replyTo)))
        .thenApply(reply -> {
          if (reply instanceof ManagedClusterEntity.Conflict conflict) {
            throw StatusException.conflict(TYPE, request.name(), conflict.message());
          }
          return Response.ok(found(reply, request.name()));
        });
  }

  @Override
  public CompletionStage<Response> delete(Request request) {
    if (!(request.principal() instanceof Principal.Admin)) {
      throw forbidden();
    }
    return resolve(request)
        .thenCompose(cluster -> clusters.ask(cluster.spec().clusterId(), ManagedClusterEntity.Deregister::new))
        .thenApply(reply -> Response.ok(found(reply, request.name())));
  }

  /** The ManagedCluster at namespace/name, if the principal may see it. */
  private CompletionStage<ManagedCluster> resolve(Request request) {
    if (request.principal() instanceof Principal.Cluster own) {
      requireOwn(own, request);
      return current(own.clusterId());
    }
    if (!request.principal().readsFleet()) {
      return CompletableFuture.failedFuture(forbidden());
    }
    return clusters.ownerOf(request.namespace()).thenCompose(owner -> {
      if (owner.isEmpty()) {
        throw StatusException.notFound(TYPE, request.name());
      }
      return clusters.ask(owner.get(), ManagedClusterEntity.Get::new);
    }).thenApply(reply -> {
      ManagedCluster cluster = found(reply, request.name());
      if (!cluster.metadata().name().equals(request.name())) {
        throw StatusException.notFound(TYPE, request.name());
      }
      return cluster;
    });
  }

  private CompletionStage<ManagedCluster> current(String clusterId) {
    return clusters.ask(clusterId, ManagedClusterEntity.Get::new).thenApply(reply -> found(reply, clusterId));
  }

  private static ManagedCluster found(ManagedClusterEntity.Reply reply, String name) {
    return ClusterRegistry.expect(reply, ManagedClusterEntity.ClusterFound.class,
        r -> StatusException.notFound(TYPE, name)).cluster();
  }

  private static void requireOwn(Principal.Cluster own, Request request) {
    // null-safe: a node of the previous version answers the token check without the name
    if (!Objects.equals(own.namespace(), request.namespace()) || !Objects.equals(own.name(), request.name())) {
      throw StatusException.forbidden("a cluster token may access only its own ManagedCluster ("
          + own.namespace() + "/" + own.name() + ")");
    }
  }

  private static StatusException forbidden() {
    return StatusException.forbidden("this token may not access managedclusters");
  }
}
