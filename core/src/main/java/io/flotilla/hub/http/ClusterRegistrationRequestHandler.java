package io.flotilla.hub.http;

import akka.stream.Materializer;
import io.flotilla.api.ClusterRegistrationRequest;
import io.flotilla.api.Json;
import io.flotilla.api.ListMeta;
import io.flotilla.api.ObjectList;
import io.flotilla.api.ObjectMeta;
import io.flotilla.api.PrinterColumn;
import io.flotilla.api.ResourceType;
import io.flotilla.api.StatusException;
import io.flotilla.api.Validation;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.objects.Selector;
import io.flotilla.hub.HubMetrics;
import io.flotilla.hub.cluster.ClusterDirectory;
import io.flotilla.hub.cluster.ClusterRegistry;
import io.flotilla.hub.events.EventRecorder;
import io.flotilla.hub.cluster.ManagedClusterEntity;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * ClusterRegistrationRequests: the bootstrap token's door. Approval is automatic and happens in
 * the cluster's entity; a request not named `clusternet-<clusterId>` is answered Denied and not
 * stored (there is no cluster it could belong to).
 */
public final class ClusterRegistrationRequestHandler implements ResourceHandler {
  public static final ResourceType TYPE = new ResourceType("clusters.clusternet.io", "v1beta1",
      ClusterRegistrationRequest.KIND, "clusterregistrationrequests", "clusterregistrationrequest",
      List.of("clsrr"), false, List.of("create", "get", "list"), List.of(),
      List.of(PrinterColumn.of("CLUSTER ID", ".spec.clusterId"), PrinterColumn.of("STATUS", ".status.result"),
          PrinterColumn.age()));

  static final List<String> CLUSTER_TYPES = List.of("StandardCluster", "EdgeCluster", "EdgeClusterSelfProvisioned");
  static final List<String> SYNC_MODES = List.of("Push", "Pull", "Dual");

  private final ClusterRegistry clusters;
  private final ClusterDirectory directory;
  private final Materializer materializer;
  private final HubMetrics metrics;
  private final EventRecorder events;
  private final TokenBucket registrations;

  public ClusterRegistrationRequestHandler(ClusterRegistry clusters, ClusterDirectory directory,
      Materializer materializer, HubMetrics metrics, EventRecorder events, double registrationsPerSecond) {
    this.registrations = new TokenBucket(registrationsPerSecond, Clock.systemUTC());
    this.clusters = clusters;
    this.directory = directory;
    this.materializer = materializer;
    this.metrics = metrics;
    this.events = events;
  }

  @Override
  public ResourceType type() {
    return TYPE;
  }

  @Override
  public CompletionStage<Response> create(Request request) {
    if (!(request.principal() instanceof Principal.Admin || request.principal() instanceof Principal.Bootstrap)) {
      throw StatusException.forbidden("only the bootstrap token (or the admin's) registers clusters");
    }
    if (!registrations.tryTake()) {
      metrics.registration("Throttled");
      throw StatusException.tooManyRequests("too many registrations at once; retry shortly", 1);
    }
    ResourceRoutes.requireTypeMeta(request.body(), TYPE);
    ClusterRegistrationRequest crr = Json.convert(request.body(), ClusterRegistrationRequest.class);
    validate(crr);
    ClusterRegistrationRequest.Spec spec = crr.spec();
    if (!crr.metadata().name().equals(ClusterRegistrationRequest.nameFor(spec.clusterId()))) {
      return CompletableFuture.completedFuture(Response.created(denied(crr)));
    }
    String registeredBy = crr.metadata().labels() == null ? null
        : crr.metadata().labels().get(ManagedCluster.LABEL_REGISTERED_BY);
    return clusters.ask(spec.clusterId(), replyTo -> new ManagedClusterEntity.Register(crr.metadata().name(), spec,
            Objects.requireNonNullElse(registeredBy, ManagedClusterEntity.DEFAULT_REGISTERED_BY), replyTo))
        .thenApply(reply -> {
          ClusterRegistrationRequest answered = ClusterRegistry.expect(reply, ManagedClusterEntity.RequestFound.class,
              r -> StatusException.unavailable("unexpected answer to a registration: " + r)).request();
          String result = answered.status() == null ? null : answered.status().result();
          metrics.registration(result);
          recordOutcome(answered, result); // not awaited: an event never slows or fails a registration
          return Response.created(answered);
        });
  }

  /** An Event on the request: approved (Normal) or not (Warning), with Clusternet's wording. */
  private void recordOutcome(ClusterRegistrationRequest request, String result) {
    EventRecorder.Involved involved = new EventRecorder.Involved(TYPE.groupVersion(), TYPE.kind(), null,
        request.metadata().name(), request.metadata().uid());
    if (ClusterRegistrationRequest.APPROVED.equals(result)) {
      events.record(involved, EventRecorder.NORMAL, "ClusterApproved", "cluster " + request.spec().clusterName()
          + " (" + request.spec().clusterId() + ") approved, dedicated namespace " + request.status().dedicatedNamespace());
    } else if (result != null) {
      events.record(involved, EventRecorder.WARNING, "Cluster" + result, "cluster " + request.spec().clusterId()
          + " not approved: " + (request.status().errorMessage() == null ? result : request.status().errorMessage()));
    }
  }

  @Override
  public CompletionStage<Response> get(Request request) {
    String name = request.name();
    String clusterId = name.startsWith(ClusterRegistrationRequest.NAME_PREFIX)
        ? name.substring(ClusterRegistrationRequest.NAME_PREFIX.length()) : "";
    if (!Validation.isUuid(clusterId)) {
      throw StatusException.notFound(TYPE, name);
    }
    if (request.principal() instanceof Principal.Cluster own && !own.clusterId().equals(clusterId)) {
      throw StatusException.forbidden("a cluster token can read only its own registration request");
    }
    if (request.principal() instanceof Principal.Viewer) {
      throw StatusException.forbidden("registration requests carry the cluster's credentials; a viewer may not read them");
    }
    return clusters.ask(clusterId, ManagedClusterEntity.GetRegistrationRequest::new)
        .thenApply(reply -> Response.ok(ClusterRegistry.expect(reply, ManagedClusterEntity.RequestFound.class,
            r -> StatusException.notFound(TYPE, name)).request()));
  }

  /**
   * The approved requests (denied ones are answered, never stored), one per registered cluster,
   * read from the cluster directory with its paging; admin only. Unlike a GET of one request, a
   * list carries no credentials (token, CA): `kubectl get clsrr` must not print a fleet's tokens.
   */
  @Override
  public CompletionStage<Response> list(Request request) {
    if (!(request.principal() instanceof Principal.Admin)) {
      throw StatusException.forbidden("registration requests are the admin's to list");
    }
    Selection selection = Selection.of(request);
    String listedAt = String.valueOf(System.currentTimeMillis());
    return directory.page(null, Selector.parseLabels(null), cluster -> selection.matches(
                requestLabels(cluster), null, ClusterRegistrationRequest.nameFor(cluster.spec().clusterId())),
            selection.limit(), request.param("continue"), materializer)
        .thenApply(page -> Response.ok(new ObjectList<>(TYPE.groupVersion(), TYPE.listKind(),
            new ListMeta(listedAt, page.continueToken()),
            page.clusters().stream().map(ClusterRegistrationRequestHandler::approvedRequest).toList())));
  }

  private static Map<String, String> requestLabels(ManagedCluster cluster) {
    Map<String, String> labels = new HashMap<>();
    for (String key : List.of(ManagedCluster.LABEL_CLUSTER_ID, ManagedCluster.LABEL_CLUSTER_NAME,
        ManagedCluster.LABEL_REGISTERED_BY)) {
      String value = cluster.metadata().labels() == null ? null : cluster.metadata().labels().get(key);
      if (value != null) {
        labels.put(key, value);
      }
    }
    return labels;
  }

  private static ClusterRegistrationRequest approvedRequest(ManagedCluster cluster) {
    Map<String, String> labels = requestLabels(cluster);
    ObjectMeta meta = new ObjectMeta(ClusterRegistrationRequest.nameFor(cluster.spec().clusterId()), null, null, null,
        null, null, cluster.metadata().creationTimestamp(), null, labels, null);
    var spec = new ClusterRegistrationRequest.Spec(cluster.spec().clusterId(), cluster.spec().clusterType(),
        labels.get(ManagedCluster.LABEL_CLUSTER_NAME), null, null, cluster.spec().syncMode());
    var status = new ClusterRegistrationRequest.RequestStatus(cluster.metadata().namespace(), null, null,
        ClusterRegistrationRequest.APPROVED, null, cluster.metadata().name());
    return new ClusterRegistrationRequest(TYPE.groupVersion(), TYPE.kind(), meta, spec, status);
  }

  private static void validate(ClusterRegistrationRequest crr) {
    ObjectMeta meta = crr.metadata();
    ClusterRegistrationRequest.Spec spec = crr.spec();
    String name = meta == null ? null : meta.name();
    Validation v = new Validation()
        .required("metadata.name", name)
        .dns1123Subdomain("metadata.name", name, 253)
        .required("spec", spec);
    if (spec != null) {
      v.required("spec.clusterId", spec.clusterId())
          .uuid("spec.clusterId", spec.clusterId())
          .oneOf("spec.clusterType", spec.clusterType(), CLUSTER_TYPES)
          .oneOf("spec.syncMode", spec.syncMode(), SYNC_MODES)
          .dns1123Subdomain("spec.clusterName", spec.clusterName(), 60)
          .dns1123Label("spec.clusterNamespace", spec.clusterNamespace(), 63)
          .labels("spec.clusterLabels", spec.clusterLabels());
    }
    if (meta != null) {
      v.labels("metadata.labels", meta.labels());
    }
    v.throwIfInvalid(TYPE.kind(), name);
  }

  private static ClusterRegistrationRequest denied(ClusterRegistrationRequest crr) {
    String expected = ClusterRegistrationRequest.nameFor(crr.spec().clusterId());
    return new ClusterRegistrationRequest(TYPE.groupVersion(), TYPE.kind(), crr.metadata(), crr.spec(),
        new ClusterRegistrationRequest.RequestStatus(null, null, null, ClusterRegistrationRequest.DENIED,
            "the request must be named " + expected + " after its spec.clusterId", null));
  }
}
