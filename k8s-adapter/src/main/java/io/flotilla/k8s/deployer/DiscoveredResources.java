package io.flotilla.k8s.deployer;

import io.kubernetes.client.Discovery;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * apiVersion + kind → REST resource, from the child cluster's discovery (client-go's RESTMapper role). The
 * answer is cached; a kind the cache does not know triggers a fresh discovery, so that kinds defined by
 * CustomResourceDefinitions applied moments ago are found.
 */
final class DiscoveredResources {

  private static final Logger log = LoggerFactory.getLogger(DiscoveredResources.class);

  /** Where objects of one kind live: {@code /apis/<group>/<version>/[namespaces/<ns>/]<plural>}. */
  record ApiResource(String group, String version, String plural, boolean namespaced) {
  }

  private record GroupVersionKind(String group, String version, String kind) {
  }

  private record GroupVersion(String group, String version) {
    String path() {
      return group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    }
  }

  private final Discovery discovery;
  private volatile Map<GroupVersionKind, ApiResource> known = Map.of();

  DiscoveredResources(ApiClient child) {
    this.discovery = new Discovery(child);
  }

  /** The resource serving {@code kind} at {@code apiVersion}; empty when the child does not serve it. */
  Optional<ApiResource> find(String apiVersion, String kind) throws ApiException {
    int slash = apiVersion.indexOf('/');
    GroupVersionKind gvk = slash < 0 ? new GroupVersionKind("", apiVersion, kind)
        : new GroupVersionKind(apiVersion.substring(0, slash), apiVersion.substring(slash + 1), kind);
    ApiResource cached = known.get(gvk);
    if (cached != null) {
      return Optional.of(cached);
    }
    refresh();
    return Optional.ofNullable(known.get(gvk));
  }

  /**
   * Reads every group version's resource list (not only the preferred version's, as client-java's
   * {@code findAll()} does: a kind may be served in one version only). A group version that fails, such as an
   * aggregated API whose server is down, hides its own kinds only, as with client-go's partial discovery.
   */
  private synchronized void refresh() throws ApiException {
    List<GroupVersion> groupVersions = new ArrayList<>();
    discovery.legacyCoreApi().getVersions().forEach(v -> groupVersions.add(new GroupVersion("", v)));
    discovery.groupDiscovery("/apis").getGroups().forEach(g ->
        g.getVersions().forEach(v -> groupVersions.add(new GroupVersion(g.getName(), v.getVersion()))));
    Map<GroupVersionKind, ApiResource> found = new HashMap<>();
    for (GroupVersion gv : groupVersions) {
      try {
        for (Discovery.APIResource r : discovery.findAll(gv.group(), List.of(gv.version()), gv.version(), gv.path())) {
          found.putIfAbsent(new GroupVersionKind(gv.group(), gv.version(), r.getKind()),
              new ApiResource(gv.group(), gv.version(), r.getResourcePlural(), Boolean.TRUE.equals(r.getNamespaced())));
        }
      } catch (ApiException e) {
        log.warn("discovery of {} in the child cluster failed ({}): its kinds cannot be applied for now",
            gv.path(), e.getCode());
      }
    }
    known = Map.copyOf(found);
  }
}
