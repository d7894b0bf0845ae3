package io.flotilla.api;

import java.util.List;

/**
 * A failure that is answered to the client as a Kubernetes {@link Status}. Thrown by validation,
 * authorization and handlers; the HTTP layer turns it into the response.
 */
public final class StatusException extends RuntimeException {
  private final transient Status status;

  public StatusException(Status status) {
    super(status.message(), null, false, false);
    this.status = status;
  }

  public Status status() {
    return status;
  }

  public static StatusException badRequest(String message) {
    return new StatusException(Status.failure(400, "BadRequest", message, null));
  }

  public static StatusException invalid(String kind, String name, List<Status.Cause> causes) {
    String detail = causes.stream().map(c -> c.field() + ": " + c.message()).reduce((a, b) -> a + ", " + b).orElse("");
    return new StatusException(Status.failure(422, "Invalid",
        kind + " \"" + (name == null ? "" : name) + "\" is invalid: " + detail,
        new Status.Details(name, null, kind, causes)));
  }

  /** A request kube cannot apply, such as a JSON patch whose operation fails. */
  public static StatusException unprocessable(String message) {
    return new StatusException(Status.failure(422, "UnprocessableEntity", message, null));
  }

  public static StatusException unauthorized() {
    return new StatusException(Status.failure(401, "Unauthorized", "Unauthorized", null));
  }

  public static StatusException forbidden(String message) {
    return new StatusException(Status.failure(403, "Forbidden", message, null));
  }

  public static StatusException notFound(ResourceType type, String name) {
    return new StatusException(Status.failure(404, "NotFound",
        resource(type) + " \"" + name + "\" not found",
        new Status.Details(name, type.group(), type.plural(), null)));
  }

  public static StatusException alreadyExists(ResourceType type, String name) {
    return new StatusException(Status.failure(409, "AlreadyExists",
        resource(type) + " \"" + name + "\" already exists",
        new Status.Details(name, type.group(), type.plural(), null)));
  }

  public static StatusException notFound(String message) {
    return new StatusException(Status.failure(404, "NotFound", message, null));
  }

  public static StatusException conflict(ResourceType type, String name, String message) {
    return new StatusException(Status.failure(409, "Conflict",
        "Operation cannot be fulfilled on " + resource(type) + " \"" + name + "\": " + message,
        new Status.Details(name, type.group(), type.plural(), null)));
  }

  /** As kube names a resource in messages: `deployments.apps`, or just `services` in the core group. */
  private static String resource(ResourceType type) {
    return type.group().isEmpty() ? type.plural() : type.plural() + "." + type.group();
  }

  public static StatusException methodNotAllowed(String message) {
    return new StatusException(Status.failure(405, "MethodNotAllowed", message, null));
  }

  public static StatusException tooLarge(long limit) {
    return new StatusException(Status.failure(413, "RequestEntityTooLarge",
        "request body is larger than the limit of " + limit + " bytes", null));
  }

  public static StatusException unsupportedMediaType(String message) {
    return new StatusException(Status.failure(415, "UnsupportedMediaType", message, null));
  }

  public static StatusException tooManyRequests(String message, int retryAfterSeconds) {
    return new StatusException(Status.failure(429, "TooManyRequests", message,
        new Status.Details(null, null, null, null, retryAfterSeconds)));
  }

  public static StatusException unavailable(String message) {
    return new StatusException(Status.failure(503, "ServiceUnavailable", message, null));
  }

  public static StatusException timeout(String message) {
    return new StatusException(Status.failure(504, "Timeout", message, null));
  }
}
