package io.flotilla.k8s.agent;

/** The hub answered the registration request Denied or Failed (or refused it outright): the agent exits. */
public final class RegistrationRejectedException extends Exception {
  private final String result;

  public RegistrationRejectedException(String result, String message) {
    super(message);
    this.result = result;
  }

  /** Denied, Failed, or Invalid for a request the hub would never accept. */
  public String result() {
    return result;
  }
}
