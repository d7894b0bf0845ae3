package io.flotilla.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** The Kubernetes `Status` object every error is answered with. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Status(
    String apiVersion,
    String kind,
    Map<String, String> metadata,
    String status,
    String message,
    String reason,
    Details details,
    int code) {

  /** retryAfterSeconds: with 429, when to try again (also the response's Retry-After header). */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Details(String name, String group, String kind, List<Cause> causes, Integer retryAfterSeconds) {
    public Details(String name, String group, String kind, List<Cause> causes) {
      this(name, group, kind, causes, null);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Cause(String reason, String message, String field) {}

  public static Status failure(int code, String reason, String message, Details details) {
    return new Status("v1", "Status", Map.of(), "Failure", message, reason, details, code);
  }

  public static Status success() {
    return new Status("v1", "Status", Map.of(), "Success", null, null, null, 200);
  }
}
