package io.flotilla.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebSocketMessagesTest {
  static final List<WebSocketMessages.Message> MESSAGES = List.of(
      new WebSocketMessages.Message(true, "hello".getBytes(StandardCharsets.UTF_8)),
      new WebSocketMessages.Message(false, new byte[] {0, 1, 2, (byte) 255}),
      new WebSocketMessages.Message(true, new byte[0]),
      new WebSocketMessages.Message(false, new byte[70_000]));

  @Test
  void messagesSurviveAnyChunking() {
    ByteBuffer all = ByteBuffer.allocate(MESSAGES.stream().mapToInt(m -> m.payload().length + 5).sum());
    MESSAGES.forEach(m -> all.put(WebSocketMessages.encode(m)));
    byte[] bytes = all.array();
    for (int chunk : new int[] {1, 2, 3, 5, 7, 4096, bytes.length}) {
      WebSocketMessages.Decoder decoder = new WebSocketMessages.Decoder();
      List<WebSocketMessages.Message> decoded = new ArrayList<>();
      for (int i = 0; i < bytes.length; i += chunk) {
        decoded.addAll(decoder.feed(ByteBuffer.wrap(bytes, i, Math.min(chunk, bytes.length - i))));
      }
      assertEquals(MESSAGES.size(), decoded.size(), "chunks of " + chunk);
      for (int i = 0; i < MESSAGES.size(); i++) {
        assertEquals(MESSAGES.get(i).text(), decoded.get(i).text());
        assertArrayEquals(MESSAGES.get(i).payload(), decoded.get(i).payload());
      }
    }
  }

  @Test
  void aBadRecordIsAProtocolError() {
    WebSocketMessages.Decoder decoder = new WebSocketMessages.Decoder();
    assertThrows(TunnelException.class, () -> decoder.feed(ByteBuffer.wrap(new byte[] {7, 0, 0, 0, 1, 0})));
    assertThrows(TunnelException.class, () -> new WebSocketMessages.Decoder()
        .feed(ByteBuffer.allocate(5).put((byte) 1).putInt(WebSocketMessages.MAX_MESSAGE_BYTES + 1).flip()));
  }
}
