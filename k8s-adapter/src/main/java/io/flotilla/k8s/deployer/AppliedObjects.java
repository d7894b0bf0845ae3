package io.flotilla.k8s.deployer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this process last applied for each Description (keyed {@code <namespace>.<name>}), so that the next
 * apply deletes the objects the Description dropped. Lost on restart: the Description's reported
 * manifestStatuses stand in for it then (see {@link GenericDeployer}).
 */
final class AppliedObjects {

  private final Map<String, List<Feed>> byDescription = new ConcurrentHashMap<>();

  List<Feed> of(String description) {
    return byDescription.getOrDefault(description, List.of());
  }

  void record(String description, List<Feed> feeds) {
    byDescription.put(description, List.copyOf(feeds));
  }

  void forget(String description) {
    byDescription.remove(description);
  }
}
