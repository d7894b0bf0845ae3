package io.flotilla.tunnel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One tunnel frame, carried as one WebSocket binary message: type (1 byte), stream id (4 bytes,
 * big-endian), payload (the rest). See DESIGN.md "Tunnel protocol".
 */
public record Frame(Type type, int streamId, ByteBuffer payload) {
  public static final int HEADER_BYTES = 5;

  public enum Type {
    /** Opens a stream; payload: the request head. */
    OPEN(1),
    /** The response head; payload: the response head. */
    HEADERS(2),
    /** Body bytes, at most the maximum frame size, within the receiver's window. */
    DATA(3),
    /** Credit: the receiver consumed this many more bytes (u32). */
    WINDOW(4),
    /** The sender will send no more on this stream (half-close). */
    END(5),
    /** The stream is aborted both ways; payload: code (u32), UTF-8 reason. */
    RESET(6),
    /** Stream 0; payload: 8 opaque bytes the peer echoes in a PONG. */
    PING(7),
    PONG(8),
    /** Stream 0: no new streams from the sender's peer; payload: code (u32), UTF-8 reason. */
    GOAWAY(9);

    final byte code;

    Type(int code) {
      this.code = (byte) code;
    }

    static Type of(byte code) {
      for (Type t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      throw new TunnelException(TunnelException.PROTOCOL, "unknown frame type " + code);
    }
  }

  public ByteBuffer encode() {
    ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + payload.remaining());
    out.put(type.code).putInt(streamId).put(payload.duplicate()).flip();
    return out;
  }

  /** Reads a frame from one whole message; the payload shares the message's bytes. */
  public static Frame decode(ByteBuffer message, int maxFrameSize) {
    if (message.remaining() < HEADER_BYTES) {
      throw new TunnelException(TunnelException.PROTOCOL, "frame of " + message.remaining() + " bytes is too short");
    }
    ByteBuffer in = message.duplicate();
    Type type = Type.of(in.get());
    int streamId = in.getInt();
    if (in.remaining() > maxFrameSize) {
      throw new TunnelException(TunnelException.PROTOCOL,
          "frame payload of " + in.remaining() + " bytes exceeds the maximum of " + maxFrameSize);
    }
    return new Frame(type, streamId, in.slice());
  }

  static Frame of(Type type, int streamId) {
    return new Frame(type, streamId, ByteBuffer.allocate(0));
  }

  static Frame window(int streamId, int increment) {
    return new Frame(Type.WINDOW, streamId, ByteBuffer.allocate(4).putInt(0, increment));
  }

  /** RESET and GOAWAY: a code and a reason. */
  static Frame coded(Type type, int streamId, int code, String reason) {
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    ByteBuffer payload = ByteBuffer.allocate(4 + Math.min(text.length, 1024));
    payload.putInt(code).put(text, 0, payload.remaining()).flip();
    return new Frame(type, streamId, payload);
  }

  int code() {
    return payload.getInt(payload.position());
  }

  String reason() {
    ByteBuffer text = payload.duplicate();
    text.position(text.position() + 4);
    return StandardCharsets.UTF_8.decode(text).toString();
  }
}
