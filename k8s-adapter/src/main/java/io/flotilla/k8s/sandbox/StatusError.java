package io.flotilla.k8s.sandbox;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;

/** A failed request, rendered as the {@code Status} object kube-apiserver answers with. */
final class StatusError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  final int code;
  final String reason;
  private final ResourceType type;
  private final String name;

  private StatusError(int code, String reason, String message, ResourceType type, String name) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.type = type;
    this.name = name;
  }

  static StatusError notFound(ResourceType type, String name) {
    return new StatusError(404, "NotFound", quoted(type, name) + " not found", type, name);
  }

  static StatusError pathNotFound() {
    return new StatusError(404, "NotFound", "the server could not find the requested resource", null, null);
  }

  static StatusError alreadyExists(ResourceType type, String name) {
    return new StatusError(409, "AlreadyExists", quoted(type, name) + " already exists", type, name);
  }

  static StatusError conflict(ResourceType type, String name, String why) {
    return new StatusError(409, "Conflict", "Operation cannot be fulfilled on " + quoted(type, name) + ": " + why,
        type, name);
  }

  static StatusError staleResourceVersion(ResourceType type, String name) {
    return conflict(type, name,
        "the object has been modified; please apply your changes to the latest version and try again");
  }

  /** 422, as kube's validation: {@code Deployment "x" is invalid: metadata.name: ...}. */
  static StatusError invalid(ResourceType type, String name, String why) {
    return new StatusError(422, "Invalid", type.kind() + " \"" + name + "\" is invalid: " + why, type, name);
  }

  /** 422 for a request that is well-formed but cannot be applied, such as a failing JSON patch test. */
  static StatusError unprocessable(String message) {
    return new StatusError(422, "Invalid", message, null, null);
  }

  static StatusError forbidden(ResourceType type, String name, String why) {
    return new StatusError(403, "Forbidden", quoted(type, name) + " is forbidden: " + why, type, name);
  }

  static StatusError badRequest(String message) {
    return new StatusError(400, "BadRequest", message, null, null);
  }

  static StatusError methodNotAllowed() {
    return new StatusError(405, "MethodNotAllowed",
        "the server does not allow this method on the requested resource", null, null);
  }

  static StatusError unsupportedMediaType(String contentType, Collection<String> accepted) {
    return new StatusError(415, "UnsupportedMediaType", "the body of the request was in an unknown format ("
        + contentType + ") - accepted media types include: " + String.join(", ", accepted), null, null);
  }

  /** What a watch from a compacted resourceVersion gets (kube's NewResourceExpired). */
  static StatusError expired(String message) {
    return new StatusError(410, "Expired", message, null, null);
  }

  static StatusError internal(String message) {
    return new StatusError(500, "InternalError", message, null, null);
  }

  private static String quoted(ResourceType type, String name) {
    return type.qualifiedName() + " \"" + name + "\"";
  }

  ObjectNode toStatus() {
    ObjectNode status = JsonNodeFactory.instance.objectNode();
    status.put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure").put("message", getMessage()).put("reason", reason);
    ObjectNode details = status.putObject("details");
    if (name != null) {
      details.put("name", name);
    }
    if (type != null) {
      if (!type.group().isEmpty()) {
        details.put("group", type.group());
      }
      // kube names the resource here, except for Invalid where it names the kind
      details.put("kind", code == 422 ? type.kind() : type.plural());
    }
    status.put("code", code);
    return status;
  }
}
