package io.flotilla.tunnel;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * WebSocket messages carried over one tunnel stream after an upgrade (DESIGN.md "Tunnel
 * protocol", Upgrades): each message is a record of one type byte (0 text, 1 binary), a 4-byte
 * big-endian length and the payload, so message boundaries survive the stream's arbitrary
 * chunking. Both ends use this class: the hub between its client and the stream, the agent
 * between the stream and the child.
 */
public final class WebSocketMessages {
  /** The header a tunnel request carries when it asks for a WebSocket (the hop-by-hop Upgrade is not forwarded). */
  public static final String UPGRADE_HEADER = "Upgrade";
  public static final String WEBSOCKET = "websocket";
  /** Larger messages reset the stream (kube's exec and port-forward send at most tens of KiB). */
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
  private static final int HEADER_BYTES = 5;

  /** One WebSocket message: text (UTF-8) or binary. */
  public record Message(boolean text, byte[] payload) {}

  private WebSocketMessages() {}

  public static ByteBuffer encode(Message message) {
    ByteBuffer record = ByteBuffer.allocate(HEADER_BYTES + message.payload().length);
    record.put((byte) (message.text() ? 0 : 1)).putInt(message.payload().length).put(message.payload());
    return record.flip();
  }

  /** Reassembles messages from the stream's chunks, in order; not thread-safe (one per stream direction). */
  public static final class Decoder {
    private ByteBuffer pending = ByteBuffer.allocate(0);

    /** The messages completed by this chunk (none while one is still partial). */
    public List<Message> feed(ByteBuffer chunk) {
      ByteBuffer all = ByteBuffer.allocate(pending.remaining() + chunk.remaining());
      all.put(pending).put(chunk).flip();
      List<Message> messages = new ArrayList<>();
      while (all.remaining() >= HEADER_BYTES) {
        int type = all.get(all.position());
        int length = all.getInt(all.position() + 1);
        if (type < 0 || type > 1 || length < 0 || length > MAX_MESSAGE_BYTES) {
          throw new TunnelException(TunnelException.PROTOCOL, "bad WebSocket message record (type " + type
              + ", " + length + " bytes)");
        }
        if (all.remaining() < HEADER_BYTES + length) {
          break;
        }
        all.position(all.position() + HEADER_BYTES);
        byte[] payload = new byte[length];
        all.get(payload);
        messages.add(new Message(type == 0, payload));
      }
      pending = all.slice();
      return messages;
    }
  }
}
