package io.flotilla.k8s.sandbox;

import static io.flotilla.k8s.sandbox.ResourceType.Trait.IN_CATEGORY_ALL;
import static io.flotilla.k8s.sandbox.ResourceType.Trait.NAMESPACED;
import static io.flotilla.k8s.sandbox.ResourceType.Trait.RETURNS_DELETED_OBJECT;
import static io.flotilla.k8s.sandbox.ResourceType.Trait.STATUS;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One served Kubernetes resource. {@link #ALL} is the sandbox's built-in API surface (CustomResourceDefinitions
 * add to it per server, see {@link ResourceTypes}): discovery, routing, storage and selectors are all driven
 * from it, so serving another kind is one line.
 */
record ResourceType(String group, String version, String kind, String plural, Set<Trait> traits,
                    List<String> shortNames, List<String> selectableFields) {

  enum Trait {
    /** Namespaced rather than cluster-scoped. */
    NAMESPACED,
    /** Has a {@code /status} subresource: the main resource ignores .status, the subresource only changes it. */
    STATUS,
    /** Listed by {@code kubectl get all}. */
    IN_CATEGORY_ALL,
    /** DELETE answers with the deleted object instead of a Status (kube's ReturnDeletedObject). */
    RETURNS_DELETED_OBJECT
  }

  private static final Set<Trait> CLUSTER = EnumSet.noneOf(Trait.class);

  static final List<ResourceType> ALL = List.of(
      // group, version, kind, plural, traits, short names, field selectors beyond metadata.name/namespace
      of("", "v1", "Namespace", "namespaces", EnumSet.of(STATUS), "ns", "status.phase"),
      of("", "v1", "Node", "nodes", EnumSet.of(STATUS), "no", "spec.unschedulable"),
      of("", "v1", "Pod", "pods", EnumSet.of(NAMESPACED, STATUS, IN_CATEGORY_ALL, RETURNS_DELETED_OBJECT), "po",
          "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
          "status.phase", "status.podIP", "status.nominatedNodeName"),
      of("", "v1", "Service", "services", EnumSet.of(NAMESPACED, STATUS, IN_CATEGORY_ALL, RETURNS_DELETED_OBJECT), "svc"),
      of("", "v1", "ConfigMap", "configmaps", EnumSet.of(NAMESPACED), "cm"),
      of("", "v1", "Secret", "secrets", EnumSet.of(NAMESPACED), "", "type"),
      of("", "v1", "ServiceAccount", "serviceaccounts", EnumSet.of(NAMESPACED, RETURNS_DELETED_OBJECT), "sa"),
      of("", "v1", "Event", "events", EnumSet.of(NAMESPACED), "ev",
          "involvedObject.kind", "involvedObject.name", "involvedObject.namespace", "involvedObject.uid",
          "reason", "type", "source"),
      of("", "v1", "Endpoints", "endpoints", EnumSet.of(NAMESPACED), "ep"),
      of("apps", "v1", "Deployment", "deployments", EnumSet.of(NAMESPACED, STATUS, IN_CATEGORY_ALL), "deploy"),
      of("apps", "v1", "StatefulSet", "statefulsets", EnumSet.of(NAMESPACED, STATUS, IN_CATEGORY_ALL), "sts"),
      of("apps", "v1", "DaemonSet", "daemonsets", EnumSet.of(NAMESPACED, STATUS, IN_CATEGORY_ALL), "ds"),
      of("apps", "v1", "ReplicaSet", "replicasets", EnumSet.of(NAMESPACED, STATUS, IN_CATEGORY_ALL), "rs"),
      of("batch", "v1", "Job", "jobs", EnumSet.of(NAMESPACED, STATUS, IN_CATEGORY_ALL), ""),
      of("coordination.k8s.io", "v1", "Lease", "leases", EnumSet.of(NAMESPACED), ""),
      of("rbac.authorization.k8s.io", "v1", "Role", "roles", EnumSet.of(NAMESPACED), ""),
      of("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", EnumSet.of(NAMESPACED), ""),
      of("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", CLUSTER, ""),
      of("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", CLUSTER, ""),
      // each stored definition serves one more type (see CustomResourceDefinitions and ResourceTypes)
      of("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", EnumSet.of(STATUS),
          "crd"));

  private static ResourceType of(String group, String version, String kind, String plural, Set<Trait> traits,
                                 String shortName, String... fields) {
    return new ResourceType(group, version, kind, plural, Set.copyOf(traits),
        shortName.isEmpty() ? List.of() : List.of(shortName),
        Stream.concat(Stream.of("metadata.name", "metadata.namespace"), Arrays.stream(fields)).toList());
  }

  static Optional<ResourceType> byKind(String kind) {
    return ALL.stream().filter(t -> t.kind.equals(kind)).findFirst();
  }

  /** {@code v1} or {@code apps/v1}: the apiVersion of objects and the path segment(s) after /api or /apis. */
  String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  boolean namespaced() {
    return traits.contains(NAMESPACED);
  }

  boolean hasStatus() {
    return traits.contains(STATUS);
  }

  boolean has(Trait trait) {
    return traits.contains(trait);
  }

  String singular() {
    return kind.toLowerCase(Locale.ROOT);
  }

  /** How kube names the resource in messages: {@code pods}, {@code deployments.apps}. */
  String qualifiedName() {
    return group.isEmpty() ? plural : plural + "." + group;
  }
}
