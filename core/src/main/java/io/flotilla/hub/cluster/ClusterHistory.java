package io.flotilla.hub.cluster;

import akka.actor.typed.ActorSystem;
import akka.persistence.cassandra.query.javadsl.CassandraReadJournal;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.PersistenceQuery;
import akka.persistence.typed.PersistenceId;
import akka.stream.javadsl.Sink;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.ManagedCluster;
import io.flotilla.api.ManagedCluster.ClusterStatus;
import io.flotilla.hub.History;
import io.flotilla.hub.objects.ObjectHistory;
import io.flotilla.hub.objects.ObjectIndex;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A cluster's history, read from its entity's own journal (no second copy): registration, label
 * changes, status transitions (Kubernetes version, health endpoints, Ready), Unknown health and
 * recovery, deregistration, as typed entries in time order. Status reports that changed nothing
 * a user would call a change (only lastObservedTime, node or pod counts) are left out, and so
 * are the credentials the registration event carries. Merged in, by time: its Descriptions being
 * assigned, updated, deployed, failed and removed, from their own journals ({@link
 * DescriptionEntries}). The cluster's journal alone rebuilds the cluster as it was at any time.
 */
public final class ClusterHistory {
  private final CassandraReadJournal journal;
  private final ActorSystem<?> system;
  private final DescriptionEntries descriptions;

  /** objects: the object index, where the Descriptions of a cluster's namespace are found. */
  public ClusterHistory(ActorSystem<?> system, ObjectIndex objects) {
    this.system = system;
    this.journal = PersistenceQuery.get(system).getReadJournalFor(CassandraReadJournal.class,
        CassandraReadJournal.Identifier());
    this.descriptions = new DescriptionEntries(system, objects, new ObjectHistory(system));
  }

  /** The history of the cluster and of the Descriptions in its dedicated namespace. */
  public CompletionStage<History.Page> read(String clusterId, String namespace, History.Query query) {
    CompletionStage<List<History.Entry>> ofDescriptions = DescriptionEntries.wanted(query)
        ? descriptions.of(namespace) : CompletableFuture.completedFuture(List.of());
    return events(clusterId).thenApply(ClusterHistory::entries)
        .thenCombine(ofDescriptions, (own, theirs) -> {
          List<History.Entry> all = new ArrayList<>(own);
          all.addAll(theirs);
          return History.page(all, query);
        });
  }

  /** The cluster as it was at a time, rebuilt from its journal up to then; empty if it was not registered. */
  public CompletionStage<Optional<ManagedCluster>> at(String clusterId, Instant at) {
    return events(clusterId).thenApply(envelopes -> {
      ManagedClusterEntity.State state = ManagedClusterEntity.State.empty();
      for (EventEnvelope envelope : envelopes) {
        if (timeOf(envelope).isAfter(at)) {
          break;
        }
        state = ManagedClusterEntity.apply(state, (ManagedClusterEntity.Event) envelope.event());
      }
      return ManagedClusterEntity.view(state);
    });
  }

  private CompletionStage<List<EventEnvelope>> events(String clusterId) {
    return journal.currentEventsByPersistenceId(PersistenceId.of(ManagedClusterEntity.ENTITY_KEY.name(), clusterId).id(),
            1, Long.MAX_VALUE)
        .runWith(Sink.seq(), system);
  }

  /** The entries of a journal (whole: a status entry is a difference from the status before it). */
  static List<History.Entry> entries(List<EventEnvelope> envelopes) {
    List<History.Entry> entries = new ArrayList<>();
    ClusterStatus previous = null;
    for (EventEnvelope envelope : envelopes) {
      Object event = envelope.event();
      Instant at = timeOf(envelope);
      ObjectNode entry = null;
      if (event instanceof ManagedClusterEntity.Registered e) {
        entry = entry("Registered", at);
        entry.put("namespace", e.namespace()).put("clusterName", e.clusterName()).put("clusterType", e.clusterType())
            .put("syncMode", e.syncMode()).set("labels", Json.MAPPER.valueToTree(e.labels()));
        previous = null;
      } else if (event instanceof ManagedClusterEntity.LabelsChanged e) {
        entry = entry("LabelsChanged", at);
        entry.set("labels", Json.MAPPER.valueToTree(e.labels()));
      } else if (event instanceof ManagedClusterEntity.HealthUnknown e) {
        entry = entry("HealthUnknown", at);
        entry.put("reason", e.health().reason());
      } else if (event instanceof ManagedClusterEntity.Deregistered) {
        entry = entry("Deregistered", at);
      } else if (event instanceof ManagedClusterEntity.StatusReported e) {
        entry = statusEntry(previous, e, at);
        previous = e.status();
      }
      if (entry != null) {
        entries.add(new History.Entry(new History.Position(at, "", envelope.sequenceNr()), entry));
      }
    }
    return entries;
  }

  /** The first report, a recovery from Unknown, or a change in what operators follow; null otherwise. */
  private static ObjectNode statusEntry(ClusterStatus before, ManagedClusterEntity.StatusReported e, Instant at) {
    ClusterStatus now = e.status();
    ObjectNode changes = Json.MAPPER.createObjectNode();
    change(changes, "k8sVersion", before == null ? null : before.k8sVersion(), now.k8sVersion());
    change(changes, "healthz", before == null ? null : before.healthz(), now.healthz());
    change(changes, "livez", before == null ? null : before.livez(), now.livez());
    change(changes, "readyz", before == null ? null : before.readyz(), now.readyz());
    change(changes, "ready", before == null ? null : ready(before), ready(now));
    if (changes.isEmpty() && !e.healthRecovered()) {
      return null;
    }
    ObjectNode entry = entry(e.healthRecovered() ? "HealthRecovered" : before == null ? "FirstStatus" : "StatusChanged",
        at);
    entry.set("changes", changes);
    return entry;
  }

  private static void change(ObjectNode changes, String field, Object before, Object now) {
    if (!Objects.equals(before, now)) {
      ObjectNode change = changes.putObject(field);
      change.set("from", Json.MAPPER.valueToTree(before));
      change.set("to", Json.MAPPER.valueToTree(now));
    }
  }

  private static String ready(ClusterStatus status) {
    return status.conditions() == null ? null : status.conditions().stream()
        .filter(c -> "Ready".equals(c.type())).map(c -> c.status()).findFirst().orElse(null);
  }

  /** Entry times are precise (not kube's whole seconds), so `?at=` an entry's time includes that entry. */
  private static ObjectNode entry(String type, Instant at) {
    return Json.MAPPER.createObjectNode().put("type", type).put("time", at.toString());
  }

  /** When an event happened: the time it carries, or (HealthUnknown's is whole seconds) when it was written. */
  private static Instant timeOf(EventEnvelope envelope) {
    Object event = envelope.event();
    if (event instanceof ManagedClusterEntity.Registered e) {
      return e.at();
    } else if (event instanceof ManagedClusterEntity.StatusReported e) {
      return e.at();
    } else if (event instanceof ManagedClusterEntity.LabelsChanged e) {
      return e.at();
    } else if (event instanceof ManagedClusterEntity.Deregistered e) {
      return e.at();
    }
    return Instant.ofEpochMilli(envelope.timestamp());
  }

}
