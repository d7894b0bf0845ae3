package io.flotilla.k8s.agent;

/** A command-line flag that is missing, unknown or has a bad value; the message names the flag. */
public final class FlagException extends Exception {
  private final String flag;

  public FlagException(String flag, String message) {
    super(message);
    this.flag = flag;
  }

  /** The flag at fault, with its leading dashes (e.g. {@code --cluster-sync-mode}). */
  public String flag() {
    return flag;
  }
}
