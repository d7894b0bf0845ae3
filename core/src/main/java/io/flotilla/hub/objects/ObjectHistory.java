package io.flotilla.hub.objects;

import akka.actor.typed.ActorSystem;
import akka.persistence.cassandra.query.javadsl.CassandraReadJournal;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.PersistenceQuery;
import akka.persistence.typed.PersistenceId;
import akka.stream.javadsl.Sink;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.hub.History;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * An object's history (a Subscription's, a Description's, ...) from its entity's journal: Created,
 * then per write what changed — SpecChanged (generation), PhaseChanged (status.phase, with the
 * reason), StatusChanged, LabelsChanged, DeletionRequested, MetadataChanged — and Deleted, each
 * with the object's generation after it. Only metadata, generation and status phase/reason are
 * shown, never the object's data (Secrets stay secret). The same journal answers what the object
 * was at a time (each event holds all of it).
 */
public final class ObjectHistory {
  private final CassandraReadJournal journal;
  private final ActorSystem<?> system;

  public ObjectHistory(ActorSystem<?> system) {
    this.system = system;
    this.journal = PersistenceQuery.get(system).getReadJournalFor(CassandraReadJournal.class,
        CassandraReadJournal.Identifier());
  }

  public CompletionStage<History.Page> read(String key, History.Query query) {
    return entries(key).thenApply(entries -> History.page(entries, query));
  }

  /** All the entries of the object's journal (a cluster's history merges its Descriptions'). */
  public CompletionStage<List<History.Entry>> entries(String key) {
    return events(key).thenApply(ObjectHistory::entries);
  }

  /** The object as stored at a time (the last write up to then); empty if it did not exist then. */
  public CompletionStage<Optional<ObjectNode>> at(String key, Instant at) {
    return events(key).thenApply(envelopes -> {
      Optional<ObjectNode> then = Optional.empty();
      for (EventEnvelope envelope : envelopes) {
        if (Instant.ofEpochMilli(envelope.timestamp()).isAfter(at)) {
          break;
        }
        ObjectEntity.Event event = (ObjectEntity.Event) envelope.event();
        then = event instanceof ObjectEntity.Deleted ? Optional.empty()
            : Optional.of(ObjectEntity.parseObject(event.object()));
      }
      return then;
    });
  }

  private CompletionStage<List<EventEnvelope>> events(String key) {
    return journal.currentEventsByPersistenceId(PersistenceId.of(ObjectEntity.ENTITY_KEY.name(), key).id(), 1,
            Long.MAX_VALUE)
        .runWith(Sink.seq(), system);
  }

  static List<History.Entry> entries(List<EventEnvelope> envelopes) {
    List<History.Entry> entries = new ArrayList<>();
    JsonNode previous = null;
    for (EventEnvelope envelope : envelopes) {
      ObjectEntity.Event event = (ObjectEntity.Event) envelope.event();
      JsonNode object = ObjectEntity.parseObject(event.object());
      Instant at = Instant.ofEpochMilli(envelope.timestamp());
      ObjectNode entry;
      if (event instanceof ObjectEntity.Created || previous == null) {
        entry = entry("Created", at);
        phase(object).ifPresent(phase -> entry.put("phase", phase));
      } else if (event instanceof ObjectEntity.Deleted) {
        entry = entry("Deleted", at);
      } else {
        entry = change(previous, object, at);
      }
      entry.put("generation", object.at("/metadata/generation").asLong());
      entries.add(new History.Entry(new History.Position(at, "", envelope.sequenceNr()), entry));
      previous = event instanceof ObjectEntity.Deleted ? null : object;
    }
    return entries;
  }

  /** One write: its type is the most telling change, its `changes` all of them. */
  private static ObjectNode change(JsonNode before, JsonNode after, Instant at) {
    ObjectNode changes = Json.MAPPER.createObjectNode();
    String type = "MetadataChanged";
    if (after.path("metadata").has("deletionTimestamp") && !before.path("metadata").has("deletionTimestamp")) {
      type = "DeletionRequested";
    }
    if (!before.path("metadata").path("labels").equals(after.path("metadata").path("labels"))) {
      changes.set("labels", after.path("metadata").path("labels"));
      type = type.equals("MetadataChanged") ? "LabelsChanged" : type;
    }
    if (!before.path("status").equals(after.path("status"))) {
      type = type.equals("MetadataChanged") || type.equals("LabelsChanged") ? "StatusChanged" : type;
    }
    String phaseBefore = phase(before).orElse(null);
    String phaseAfter = phase(after).orElse(null);
    if (!Objects.equals(phaseBefore, phaseAfter)) {
      ObjectNode phase = changes.putObject("phase");
      phase.put("from", phaseBefore).put("to", phaseAfter);
      if (after.path("status").hasNonNull("reason")) {
        phase.put("reason", after.path("status").path("reason").asText());
      }
      type = "PhaseChanged";
    }
    long generationBefore = before.at("/metadata/generation").asLong();
    long generationAfter = after.at("/metadata/generation").asLong();
    if (generationBefore != generationAfter) {
      changes.putObject("generation").put("from", generationBefore).put("to", generationAfter);
      type = "SpecChanged";
    }
    ObjectNode entry = entry(type, at);
    entry.set("changes", changes);
    return entry;
  }

  private static Optional<String> phase(JsonNode object) {
    JsonNode phase = object.path("status").path("phase");
    return phase.isTextual() ? Optional.of(phase.asText()) : Optional.empty();
  }

  private static ObjectNode entry(String type, Instant at) {
    return Json.MAPPER.createObjectNode().put("type", type).put("time", at.toString());
  }
}
