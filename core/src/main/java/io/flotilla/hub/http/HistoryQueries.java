package io.flotilla.hub.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.api.Json;
import io.flotilla.api.StatusException;
import io.flotilla.hub.History;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;

/** A `/history` request's filters: type=A,B; since and until (RFC 3339); limit; continue. 400 when malformed. */
final class HistoryQueries {
  private HistoryQueries() {}

  static History.Query of(ResourceHandler.Request request) {
    try {
      String types = request.param("type");
      return new History.Query(types == null || types.isBlank() ? Set.of() : Set.of(types.split(",")),
          request.param("since") == null ? null : instant(request.param("since")),
          request.param("until") == null ? null : instant(request.param("until")),
          request.param("limit") == null ? 0 : Long.parseLong(request.param("limit")),
          request.param("continue") == null ? null : History.Position.parse(request.param("continue")));
    } catch (IllegalArgumentException e) { // a malformed number or token, a type named twice
      throw StatusException.badRequest("invalid history query: " + e.getMessage());
    }
  }

  static Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw StatusException.badRequest("invalid time (RFC 3339 wanted): " + text);
    }
  }

  /** The answer: the page's entries and, when there is more, the token to continue with. */
  static ObjectNode list(String apiVersion, String kind, History.Page page) {
    ObjectNode list = Json.MAPPER.createObjectNode().put("apiVersion", apiVersion).put("kind", kind);
    if (page.continueAfter() != null) {
      list.putObject("metadata").put("continue", page.continueAfter().token());
    }
    list.putArray("items").addAll(page.entries());
    return list;
  }
}
