package io.flotilla.tunnel;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The heads an HTTP exchange puts on a stream: the request head is an OPEN frame's payload, the
 * response head a HEADERS frame's. Strings are u32 length + UTF-8; a head must fit in one frame.
 */
public sealed interface HttpHead {
  List<Header> headers();

  ByteBuffer encode();

  record Header(String name, String value) {}

  /**
   * @param target a path with query (to the child API server the agent serves), or an absolute
   *               URL {@code scheme://host:port/path?query}
   */
  record Request(String method, String target, List<Header> headers) implements HttpHead {
    @Override
    public ByteBuffer encode() {
      Writer w = new Writer();
      w.string(method).string(target).headers(headers);
      return w.done();
    }

    public static Request decode(ByteBuffer payload) {
      Reader r = new Reader(payload);
      return new Request(r.string(), r.string(), r.headers());
    }
  }

  record Response(int status, List<Header> headers) implements HttpHead {
    @Override
    public ByteBuffer encode() {
      Writer w = new Writer();
      w.out.putInt(status);
      w.headers(headers);
      return w.done();
    }

    public static Response decode(ByteBuffer payload) {
      Reader r = new Reader(payload);
      return new Response(r.out.getInt(), r.headers());
    }
  }

  /** The first value of a header, by case-insensitive name. */
  default Optional<String> header(String name) {
    return headers().stream().filter(h -> h.name().equalsIgnoreCase(name)).map(Header::value).findFirst();
  }

  final class Writer {
    private ByteBuffer out = ByteBuffer.allocate(512);

    Writer string(String s) {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      ensure(4 + bytes.length);
      out.putInt(bytes.length).put(bytes);
      return this;
    }

    Writer headers(List<Header> headers) {
      ensure(4);
      out.putInt(headers.size());
      headers.forEach(h -> string(h.name()).string(h.value()));
      return this;
    }

    private void ensure(int more) {
      if (out.remaining() < more) {
        out = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + more)).put(out.flip());
      }
    }

    ByteBuffer done() {
      return out.flip();
    }
  }

  final class Reader {
    private final ByteBuffer out;

    Reader(ByteBuffer payload) {
      this.out = payload.duplicate();
    }

    String string() {
      try {
        int length = out.getInt();
        if (length < 0 || length > out.remaining()) {
          throw new TunnelException(TunnelException.PROTOCOL, "bad string length " + length + " in a head");
        }
        byte[] bytes = new byte[length];
        out.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
      } catch (BufferUnderflowException e) {
        throw new TunnelException(TunnelException.PROTOCOL, "truncated head");
      }
    }

    List<Header> headers() {
      int count = out.remaining() >= 4 ? out.getInt() : -1;
      if (count < 0 || count > out.remaining() / 8) {
        throw new TunnelException(TunnelException.PROTOCOL, "bad header count " + count + " in a head");
      }
      List<Header> headers = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        headers.add(new Header(string(), string()));
      }
      return List.copyOf(headers);
    }
  }
}
