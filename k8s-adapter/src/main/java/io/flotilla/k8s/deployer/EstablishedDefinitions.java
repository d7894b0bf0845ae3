package io.flotilla.k8s.deployer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.k8s.deployer.ChildObjects.ChildApiException;
import io.flotilla.k8s.deployer.DiscoveredResources.ApiResource;
import io.kubernetes.client.openapi.ApiException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.StreamSupport;

/**
 * Waits until a CustomResourceDefinition the Description just applied can take custom resources: it is
 * Established and discovery serves its kind. Both, because kube sets Established a moment before discovery
 * lists the kind, and the custom resources after it are resolved through discovery.
 */
final class EstablishedDefinitions {

  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final DiscoveredResources resources;
  private final ChildObjects objects;
  private final Duration timeout;

  EstablishedDefinitions(DiscoveredResources resources, ChildObjects objects, Duration timeout) {
    this.resources = resources;
    this.objects = objects;
    this.timeout = timeout;
  }

  /** Empty once {@code definition} is ready; else, at the deadline, what it was still waiting for. */
  Optional<String> await(Feed definition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String waitingFor = waitingFor(definition);
      if (waitingFor == null) {
        return Optional.empty();
      }
      if (System.nanoTime() > deadline || Thread.currentThread().isInterrupted()) {
        return Optional.of(definition + " is not ready after " + timeout.toSeconds() + "s: " + waitingFor);
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  /** Null when ready. */
  private String waitingFor(Feed definition) {
    try {
      Optional<ApiResource> definitions = resources.find(definition.apiVersion(), definition.kind());
      Optional<ObjectNode> live = definitions.isEmpty() ? Optional.empty()
          : objects.get(definitions.get(), "", definition.name());
      if (live.isEmpty()) {
        return "it does not exist";
      }
      JsonNode established = condition(live.get(), "Established");
      if (!established.path("status").asText().equals("True")) {
        return "it is not Established (" + established.path("message").asText("no condition yet") + ")";
      }
      JsonNode spec = live.get().path("spec");
      String kind = spec.path("names").path("kind").asText();
      String version = StreamSupport.stream(spec.path("versions").spliterator(), false)
          .filter(v -> v.path("storage").asBoolean(false))
          .map(v -> v.path("name").asText())
          .findFirst().orElse("");
      String apiVersion = spec.path("group").asText() + "/" + version;
      return resources.find(apiVersion, kind).isPresent() ? null
          : "discovery does not list kind " + kind + " in " + apiVersion + " yet";
    } catch (ApiException e) {
      return "cannot discover the child's resources: " + e.getMessage();
    } catch (ChildApiException e) {
      return e.getMessage();
    }
  }

  private static JsonNode condition(JsonNode object, String type) {
    return StreamSupport.stream(object.path("status").path("conditions").spliterator(), false)
        .filter(c -> c.path("type").asText().equals(type))
        .findFirst()
        .orElse(MissingNode.getInstance());
  }
}
