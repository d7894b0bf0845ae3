package io.flotilla.k8s.agent;

/**
 * A call to the hub that failed: {@link #code()} is the HTTP status (0 when no answer came) and the
 * message is the hub's {@code Status.message} when it sent one. Never carries a token.
 */
public final class HubException extends Exception {
  private final int code;
  private final String reason;

  public HubException(int code, String reason, String message) {
    super(message);
    this.code = code;
    this.reason = reason;
  }

  public HubException(String message, Throwable cause) {
    super(message, cause);
    this.code = 0;
    this.reason = null;
  }

  public int code() {
    return code;
  }

  /** The Status reason (Unauthorized, NotFound, AlreadyExists...), if the hub gave one. */
  public String reason() {
    return reason;
  }

  /** The credential is not (or no longer) valid: for a cluster token, the cluster was deleted on the hub. */
  public boolean unauthorized() {
    return code == 401;
  }

  public boolean notFound() {
    return code == 404;
  }
}
