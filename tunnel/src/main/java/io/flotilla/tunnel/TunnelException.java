package io.flotilla.tunnel;

/** A stream was reset, or the whole tunnel closed; {@link #code()} says why. */
public final class TunnelException extends RuntimeException {
  public static final int CANCEL = 1;
  public static final int REFUSED = 2;
  public static final int FLOW_CONTROL = 3;
  public static final int PROTOCOL = 4;
  public static final int INTERNAL = 5;
  /** The tunnel (not just the stream) is gone. */
  public static final int CLOSED = 6;
  public static final int TIMEOUT = 7;

  private final int code;

  public TunnelException(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public int code() {
    return code;
  }
}
