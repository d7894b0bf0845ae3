package io.flotilla.k8s.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.k8s.deployer.HelmDeployer;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pull mode: the agent follows the Descriptions in its dedicated namespace on the hub (list,
 * then watch; every watch that ends is a fresh list, so the loop also resyncs), deploys each one
 * whose generation it has not deployed yet, and reports the outcome as the Description's status
 * with `observedGeneration`. Level-triggered: after a disconnection only the latest version of
 * each Description is deployed, never the intermediate ones, and a report about a Description
 * that changed meanwhile is refused by the hub (resourceVersion precondition) and dropped.
 */
public final class DescriptionSync {
  private static final Logger log = LoggerFactory.getLogger(DescriptionSync.class);
  /** The hub marks Descriptions it could not render so; their spec is the last good one, already deployed. */
  static final String HUB_RENDER_FAILURE = "render failed: ";

  /**
   * Deploys one kind of Description (spec.deployer) into the child cluster: apply answers the
   * status to report (phase Success or Failure, reason, manifestStatuses); remove deletes what
   * the Description deployed.
   */
  public record Deployer(UnaryOperator<ObjectNode> apply, Consumer<ObjectNode> remove) {}

  private final HubDescriptions hub;
  private final Supplier<String> token;
  private final String namespace;
  private final Map<String, Deployer> deployers;
  private final Backoff backoff;
  private final BooleanSupplier closed;
  /** How long one watch runs before the loop lists again (a resync). */
  private final Duration resync;
  /** Feature gate Recovery: a resync re-applies what is deployed, so drift in the child is undone. */
  private final boolean recovery;
  /** The Descriptions this run has deployed, by name, so a deleted one can be removed. */
  private final Map<String, ObjectNode> deployed = new HashMap<>();

  public DescriptionSync(HubDescriptions hub, Supplier<String> token, String namespace,
      Map<String, Deployer> deployers, Duration retryInitial, Duration resync, boolean recovery,
      BooleanSupplier closed) {
    this.resync = resync;
    this.recovery = recovery;
    this.hub = hub;
    this.token = token;
    this.namespace = namespace;
    this.deployers = deployers;
    this.backoff = new Backoff(retryInitial, Duration.ofMinutes(1));
    this.closed = closed;
  }

  /** Runs until closed; hub failures back off and start over with a list. */
  public void run() throws InterruptedException {
    while (!closed.getAsBoolean()) {
      try {
        HubDescriptions.Listed listed = hub.list(namespace, token.get());
        Set<String> present = new HashSet<>();
        for (ObjectNode description : listed.items()) {
          present.add(name(description));
          if (!olderThanDeployed(description)) {
            deploy(description, recovery);
          }
        }
        for (String gone : Set.copyOf(deployed.keySet())) {
          if (!present.contains(gone) && !stillOnHub(deployed.get(gone))) {
            remove(deployed.get(gone));
          }
        }
        backoff.reset();
        hub.watch(namespace, listed.resourceVersion(), Math.max(1, resync.toSeconds()), token.get(), this::onEvent);
      } catch (HubException e) {
        if (closed.getAsBoolean()) {
          return;
        }
        Duration delay = backoff.next();
        log.warn("following Descriptions failed, again in {} ms: {}", delay.toMillis(), e.getMessage());
        Thread.sleep(delay.toMillis());
      }
    }
  }

  /**
   * Lists come from the hub's index, which may lag the watch that delivered a newer generation of the
   * same Description: such a list item is old news, and applying it would roll the child back.
   */
  private boolean olderThanDeployed(ObjectNode listed) {
    ObjectNode known = deployed.get(name(listed));
    return known != null && uid(known).equals(uid(listed))
        && known.path("metadata").path("generation").asLong() > listed.path("metadata").path("generation").asLong();
  }

  /**
   * A deployed Description missing from a list is removed only when the hub confirms it is gone: a lagging list
   * must never delete a fleet's workloads. A read of one object is current on the hub.
   */
  private boolean stillOnHub(ObjectNode description) throws HubException {
    Optional<ObjectNode> current = hub.get(namespace, name(description), token.get());
    if (current.isPresent() && uid(current.get()).equals(uid(description))) {
      log.info("Description {}/{} is not listed yet still exists: kept", namespace, name(description));
      return true;
    }
    return false;
  }

  private void onEvent(ObjectNode event) {
    String type = event.path("type").asText();
    if (!(event.path("object") instanceof ObjectNode description) || type.equals("BOOKMARK")) {
      return; // a bookmark's object is a Description with only a resourceVersion
    }
    if (type.equals("DELETED")) {
      remove(description);
    } else {
      deploy(description, false);
    }
  }

  /**
   * Deploys the Description unless its generation was deployed already (or the hub failed to
   * render it); reapply: deploy a deployed one again (Recovery), reporting only if that changes
   * what the hub was told.
   */
  void deploy(ObjectNode description, boolean reapply) {
    JsonNode status = description.path("status");
    long generation = description.path("metadata").path("generation").asLong();
    boolean done = status.path("observedGeneration").asLong(-1) == generation
        && "Success".equals(status.path("phase").asText());
    if (status.path("reason").asText().startsWith(HUB_RENDER_FAILURE) || (done && !reapply)) {
      deployed.put(name(description), description);
      return;
    }
    Deployer deployer = deployers.get(description.path("spec").path("deployer").asText());
    ObjectNode outcome;
    if (deployer == null) {
      outcome = Json.MAPPER.createObjectNode().put("phase", "Failure")
          .put("reason", "this agent has no deployer \"" + description.path("spec").path("deployer").asText() + "\"");
    } else {
      outcome = applySafely(deployer, description);
      deployed.put(name(description), description);
    }
    outcome.put("observedGeneration", generation);
    if (done && outcome.equals(status)) {
      return; // recovered (or nothing had drifted): the hub's status is still true
    }
    try {
      reportReleases(description, outcome);
      hub.reportStatus(description, outcome, token.get());
      log.info("Description {}/{} generation {}: {}", namespace, name(description), generation,
          outcome.path("phase").asText());
    } catch (HubDescriptions.Stale stale) {
      log.info("Description {}/{} changed while it was deployed; the newer one follows", namespace, name(description));
    } catch (HubException e) {
      // the next list reports it again: the Description still says it is not deployed
      log.warn("could not report the status of Description {}/{}: {}", namespace, name(description), e.getMessage());
    }
  }

  /** A Helm Description's releases: each chart's manifest status is its HelmRelease's status on the hub. */
  private void reportReleases(ObjectNode description, ObjectNode outcome) throws HubException {
    if (!"Helm".equals(description.path("spec").path("deployer").asText())) {
      return;
    }
    for (JsonNode manifest : outcome.path("manifestStatuses")) {
      if (manifest.has("observedStatus")) {
        hub.reportReleaseStatus(namespace, HelmDeployer.helmReleaseName(name(description),
            manifest.path("namespace").asText(), manifest.path("name").asText()), manifest.get("observedStatus"),
            token.get());
      }
    }
  }

  /** A deployer that throws has failed this Description, not the agent. */
  private static ObjectNode applySafely(Deployer deployer, ObjectNode description) {
    try {
      return deployer.apply().apply(description);
    } catch (RuntimeException e) {
      log.warn("deploying Description {} failed", name(description), e);
      return Json.MAPPER.createObjectNode().put("phase", "Failure").put("reason", String.valueOf(e.getMessage()));
    }
  }

  private void remove(ObjectNode description) {
    Deployer deployer = deployers.get(description.path("spec").path("deployer").asText());
    if (deployer != null) {
      deployer.remove().accept(description);
      log.info("Description {}/{} deleted: its objects are removed", namespace, name(description));
    }
    deployed.remove(name(description));
  }

  private static String uid(JsonNode description) {
    return description.path("metadata").path("uid").asText();
  }

  private static String name(JsonNode description) {
    return description.path("metadata").path("name").asText();
  }
}
