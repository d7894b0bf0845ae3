package io.flotilla.hub.cluster;

import akka.actor.typed.ActorSystem;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.hub.History;
import io.flotilla.hub.objects.ObjectEntity;
import io.flotilla.hub.objects.ObjectHistory;
import io.flotilla.hub.objects.ObjectIndex;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * A cluster's Descriptions as entries of its history: DescriptionAssigned (created),
 * DescriptionUpdated (a new spec), DescriptionDeployed / DescriptionFailed (phase became Success /
 * Failure, with the reason), DescriptionRemoved (deleted), each naming the Description and its
 * generation, never its spec (it may hold Secrets). They are read from each Description's own
 * journal when the history is asked for, not written to the cluster's: an event there would bump
 * the cluster's resourceVersion, and the agent's next status PUT would get a 409.
 *
 * Which Descriptions: those the object index lists in the cluster's dedicated namespace now. A
 * Description deleted for good is no longer listed, so its entries (its removal too) are left
 * out; finding it would take a scan of every object's journal or tag. One written again under
 * its name keeps its whole history, removal included. The index is about a second behind: a
 * Description created that recently may be missing from a page.
 */
final class DescriptionEntries {
  static final Set<String> TYPES = Set.of("DescriptionAssigned", "DescriptionUpdated", "DescriptionDeployed",
      "DescriptionFailed", "DescriptionRemoved");
  private static final String GROUP = "apps.clusternet.io";
  private static final String PLURAL = "descriptions";
  /** Description journals one history request reads at once. */
  private static final int PARALLELISM = 8;

  private final ActorSystem<?> system;
  private final ObjectIndex index;
  private final ObjectHistory histories;

  DescriptionEntries(ActorSystem<?> system, ObjectIndex index, ObjectHistory histories) {
    this.system = system;
    this.index = index;
    this.histories = histories;
  }

  /** Whether a query can select a Description entry at all (if not, no journal of theirs is read). */
  static boolean wanted(History.Query query) {
    return query.types().isEmpty() || query.types().stream().anyMatch(TYPES::contains);
  }

  /** The entries of the namespace's Descriptions, each positioned in its own journal (named by its key). */
  CompletionStage<List<History.Entry>> of(String namespace) {
    return index.names(GROUP, PLURAL, namespace)
        .thenCompose(names -> Source.from(names)
            .mapAsync(PARALLELISM, name -> of(namespace, name))
            .runWith(Sink.seq(), system))
        .thenApply(lists -> lists.stream().flatMap(List::stream).toList());
  }

  private CompletionStage<List<History.Entry>> of(String namespace, String name) {
    String key = ObjectEntity.key(GROUP, PLURAL, namespace, name);
    return histories.entries(key).thenApply(entries -> entries.stream()
        .flatMap(e -> clusterEntry(namespace, name, e.entry()).stream()
            .map(entry -> new History.Entry(
                new History.Position(e.position().time(), key, e.position().sequence()), entry)))
        .toList());
  }

  /**
   * The cluster's entry for an entry of a Description's own history; empty for what a cluster's
   * history leaves out (labels, a phase back to Pending, status details).
   */
  static Optional<ObjectNode> clusterEntry(String namespace, String name, ObjectNode descriptionEntry) {
    String type = switch (descriptionEntry.path("type").asText()) {
      case "Created" -> "DescriptionAssigned";
      case "SpecChanged" -> "DescriptionUpdated";
      case "Deleted" -> "DescriptionRemoved";
      case "PhaseChanged" -> switch (descriptionEntry.at("/changes/phase/to").asText()) {
        case "Success" -> "DescriptionDeployed";
        case "Failure" -> "DescriptionFailed";
        default -> null;
      };
      default -> null;
    };
    if (type == null) {
      return Optional.empty();
    }
    ObjectNode entry = Json.MAPPER.createObjectNode().put("type", type)
        .put("time", descriptionEntry.get("time").asText());
    entry.putObject("description").put("namespace", namespace).put("name", name);
    entry.put("generation", descriptionEntry.get("generation").asLong());
    if (descriptionEntry.hasNonNull("phase")) { // as created: Pending, or Failure when it could not be rendered
      entry.put("phase", descriptionEntry.get("phase").asText());
    }
    if (descriptionEntry.at("/changes/phase").hasNonNull("reason")) {
      entry.put("reason", descriptionEntry.at("/changes/phase/reason").asText());
    }
    return Optional.of(entry);
  }
}
