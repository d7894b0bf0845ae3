package io.flotilla.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TunnelSessionTest {
  static final TunnelSettings SETTINGS = new TunnelSettings(4096, 16384, 100, Duration.ofMillis(100),
      Duration.ofMillis(600));
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final ExecutorService executor = Executors.newCachedThreadPool();
  InMemoryTransport hubSide;
  InMemoryTransport agentSide;

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
    executor.shutdownNow();
  }

  /** The hub's session (opens streams) and the agent's (serves them with `acceptor`). */
  TunnelSession[] connect(TunnelSettings settings, TunnelSession.Acceptor acceptor) {
    return connect(settings, settings, acceptor);
  }

  TunnelSession[] connect(TunnelSettings hubSettings, TunnelSettings agentSettings, TunnelSession.Acceptor acceptor) {
    InMemoryTransport[] pair = InMemoryTransport.pair();
    hubSide = pair[0];
    agentSide = pair[1];
    TunnelSession hub = TunnelSession.acceptor(hubSide, hubSettings, scheduler, executor, null);
    TunnelSession agent = TunnelSession.dialer(agentSide, agentSettings, scheduler, executor, acceptor);
    hubSide.deliverTo(agent);
    agentSide.deliverTo(hub);
    return new TunnelSession[] {hub, agent};
  }

  static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static HttpHead.Request get(String target) {
    return new HttpHead.Request("GET", target, List.of(new HttpHead.Header("Accept", "application/json")));
  }

  /** Reads until End: the response head (if any) and the body. */
  static byte[] readBody(TunnelStream stream, List<HttpHead.Response> heads) throws Exception {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      TunnelStream.Received r = await(stream.read());
      if (r instanceof TunnelStream.Head h) {
        heads.add(h.head());
      } else if (r instanceof TunnelStream.Data d) {
        byte[] bytes = new byte[d.bytes().remaining()];
        d.bytes().get(bytes);
        body.write(bytes);
      } else {
        return body.toByteArray();
      }
    }
  }

  /** An agent that answers 200 with the request's target and body echoed back. */
  TunnelSession.Acceptor echo() {
    return (stream, head) -> executor.execute(() -> {
      try {
        byte[] body = readBody(stream, new ArrayList<>());
        stream.respond(new HttpHead.Response(200, List.of(new HttpHead.Header("X-Target", head.target()))));
        await(stream.write(ByteBuffer.wrap(body)));
        stream.end();
      } catch (Exception e) {
        stream.reset(e.toString());
      }
    });
  }

  static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static void until(Duration timeout, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  @Test
  void framesAndHeadsRoundTrip() {
    for (Frame.Type type : Frame.Type.values()) {
      Frame frame = new Frame(type, 77, ByteBuffer.wrap(new byte[] {1, 2, 3}));
      Frame back = Frame.decode(frame.encode(), 4096);
      assertEquals(type, back.type());
      assertEquals(77, back.streamId());
      assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), back.payload());
    }
    Frame reset = Frame.decode(Frame.coded(Frame.Type.RESET, 3, TunnelException.CANCEL, "gone ✓").encode(), 4096);
    assertEquals(TunnelException.CANCEL, reset.code());
    assertEquals("gone ✓", reset.reason());
    HttpHead.Request request = new HttpHead.Request("PATCH", "/api/v1/pods?watch=1&x=%20",
        List.of(new HttpHead.Header("Content-Type", "application/merge-patch+json"), new HttpHead.Header("A", "")));
    assertEquals(request, HttpHead.Request.decode(request.encode()));
    HttpHead.Response response = new HttpHead.Response(404, List.of(new HttpHead.Header("X", "ü")));
    assertEquals(response, HttpHead.Response.decode(response.encode()));
    assertThrows(TunnelException.class, () -> Frame.decode(ByteBuffer.allocate(3), 4096));
    assertThrows(TunnelException.class, () -> Frame.decode(ByteBuffer.allocate(5 + 4097), 4096));
    assertThrows(TunnelException.class, () -> HttpHead.Request.decode(ByteBuffer.wrap(new byte[] {0, 0, 0, 9})));
  }

  @Test
  void interleavedStreamsEachGetTheirOwnBytes() throws Exception {
    TunnelSession hub = connect(SETTINGS, echo())[0];
    List<CompletableFuture<Void>> exchanges = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      int n = i;
      exchanges.add(CompletableFuture.runAsync(() -> {
        try {
          byte[] body = random(50_000 + n * 1000, n);
          TunnelStream stream = hub.open(new HttpHead.Request("POST", "/s/" + n, List.of()));
          for (int off = 0; off < body.length; off += 7000) {
            await(stream.write(ByteBuffer.wrap(body, off, Math.min(7000, body.length - off))));
          }
          stream.end();
          List<HttpHead.Response> heads = new ArrayList<>();
          assertArrayEquals(body, readBody(stream, heads));
          assertEquals(List.of(new HttpHead.Response(200, List.of(new HttpHead.Header("X-Target", "/s/" + n)))),
              heads);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      }, executor));
    }
    await(CompletableFuture.allOf(exchanges.toArray(CompletableFuture[]::new)));
    until(Duration.ofSeconds(5), () -> hub.openStreams() == 0);
  }

  @Test
  void aReaderThatDoesNotReadStopsTheWriterAfterOneWindow() throws Exception {
    CompletableFuture<TunnelStream> served = new CompletableFuture<>();
    TunnelSession hub = connect(SETTINGS, (stream, head) -> served.complete(stream))[0];
    TunnelStream stream = hub.open(get("/slow"));
    TunnelStream agentStream = await(served);
    List<CompletionStage<Void>> writes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      writes.add(stream.write(ByteBuffer.wrap(random(SETTINGS.maxFrameSize(), i))));
    }
    // the window is 4 frames: the receiver holds exactly that, the sender has sent nothing more
    until(Duration.ofSeconds(5), () -> agentStream.bufferedBytes() == SETTINGS.initialWindow());
    assertEquals(SETTINGS.initialWindow(), hubSide.dataBytesSent.get());
    // the fourth write completes once its frame is handed over, which may trail the receiver by a moment
    until(Duration.ofSeconds(5), () -> writes.get(3).toCompletableFuture().isDone());
    assertFalse(writes.get(4).toCompletableFuture().isDone());
    assertEquals(SETTINGS.initialWindow(), hubSide.dataBytesSent.get());
    assertTrue(hub.queuedBytes() <= SETTINGS.maxFrameSize() + Frame.HEADER_BYTES);
    // reading releases credit, and the rest flows
    stream.end();
    byte[] all = readBody(agentStream, new ArrayList<>());
    assertEquals(10 * SETTINGS.maxFrameSize(), all.length);
    await(writes.get(9));
  }

  @Test
  void dataIsSplitIntoFramesOfAtMostTheMaximumSize() throws Exception {
    AtomicInteger largest = new AtomicInteger();
    TunnelSession hub = connect(SETTINGS, echo())[0];
    hubSide.tap(frame -> largest.accumulateAndGet(frame.payload().remaining(), Math::max));
    byte[] body = random(1_000_000, 1);
    TunnelStream stream = hub.open(get("/big"));
    await(stream.write(ByteBuffer.wrap(body)).thenRun(stream::end));
    assertArrayEquals(body, readBody(stream, new ArrayList<>()));
    assertEquals(SETTINGS.maxFrameSize(), largest.get());
    assertTrue(hubSide.dataBytesSent.get() >= body.length);
  }

  @Test
  void anOversizedFrameClosesTheTunnel() throws Exception {
    TunnelSession[] sessions = connect(SETTINGS, echo());
    TunnelStream stream = sessions[0].open(get("/x"));
    hubSide.sendRaw(new Frame(Frame.Type.DATA, stream.id(), ByteBuffer.allocate(SETTINGS.maxFrameSize() + 1))
        .encode());
    assertEquals(TunnelException.PROTOCOL, await(sessions[1].closed()).code());
    ExecutionException failed = assertThrows(ExecutionException.class, () -> await(stream.read()));
    assertInstanceOf(TunnelException.class, failed.getCause());
  }

  @Test
  void aResetFailsThePeersReadsAndSparesOtherStreams() throws Exception {
    List<TunnelStream> served = new ArrayList<>();
    CompletableFuture<Void> twoServed = new CompletableFuture<>();
    TunnelSession hub = connect(SETTINGS, (stream, head) -> {
      synchronized (served) {
        served.add(stream);
        if (served.size() == 2) {
          twoServed.complete(null);
        }
      }
    })[0];
    TunnelStream doomed = hub.open(get("/doomed"));
    TunnelStream other = hub.open(get("/other"));
    await(twoServed);
    TunnelStream doomedServed = served.stream().filter(s -> s.id() == doomed.id()).findFirst().orElseThrow();
    TunnelStream otherServed = served.stream().filter(s -> s.id() == other.id()).findFirst().orElseThrow();
    CompletionStage<TunnelStream.Received> pending = doomedServed.read();
    doomed.reset("client went away");
    ExecutionException failed = assertThrows(ExecutionException.class, () -> await(pending));
    assertEquals(TunnelException.CANCEL, ((TunnelException) failed.getCause()).code());
    assertThrows(ExecutionException.class, () -> await(doomedServed.write(ByteBuffer.allocate(1))));
    assertEquals(TunnelException.CANCEL, await(doomedServed.aborted()).code());
    assertFalse(otherServed.aborted().toCompletableFuture().isDone());
    // the other stream still works both ways
    otherServed.respond(new HttpHead.Response(200, List.of()));
    await(otherServed.write(ByteBuffer.wrap("ok".getBytes())));
    otherServed.end();
    assertInstanceOf(TunnelStream.Head.class, await(other.read()));
    assertEquals(ByteBuffer.wrap("ok".getBytes()), ((TunnelStream.Data) await(other.read())).bytes());
    assertInstanceOf(TunnelStream.End.class, await(other.read()));
  }

  @Test
  void halfCloseEndsOneDirectionWhileTheOtherKeepsStreaming() throws Exception {
    CompletableFuture<TunnelStream> served = new CompletableFuture<>();
    TunnelSession hub = connect(SETTINGS, (stream, head) -> served.complete(stream))[0];
    TunnelStream stream = hub.open(get("/watch"));
    stream.end();
    TunnelStream agentStream = await(served);
    assertInstanceOf(TunnelStream.End.class, await(agentStream.read()));
    agentStream.respond(new HttpHead.Response(200, List.of()));
    assertInstanceOf(TunnelStream.Head.class, await(stream.read()));
    for (int i = 0; i < 50; i++) { // a watch: events keep coming after the request ended
      byte[] event = ("{\"type\":\"ADDED\",\"n\":" + i + "}\n").getBytes();
      await(agentStream.write(ByteBuffer.wrap(event)));
      assertEquals(ByteBuffer.wrap(event), ((TunnelStream.Data) await(stream.read())).bytes());
    }
    assertEquals(1, hub.openStreams());
    agentStream.end();
    assertInstanceOf(TunnelStream.End.class, await(stream.read()));
    until(Duration.ofSeconds(5), () -> hub.openStreams() == 0);
  }

  @Test
  void keepaliveHoldsALiveTunnelAndClosesADeadOne() throws Exception {
    TunnelSession[] sessions = connect(SETTINGS, echo());
    CompletableFuture<TunnelException> hubClosed = sessions[0].closed().toCompletableFuture();
    // several ping timeouts pass on a live tunnel: the agent pings, the hub answers and, hearing the agent, does
    // not ping itself
    AtomicInteger agentPings = new AtomicInteger();
    AtomicInteger hubPings = new AtomicInteger();
    AtomicInteger hubPongs = new AtomicInteger();
    agentSide.tap(frame -> {
      if (frame.type() == Frame.Type.PING) {
        agentPings.incrementAndGet();
      }
    });
    hubSide.tap(frame -> {
      if (frame.type() == Frame.Type.PING) {
        hubPings.incrementAndGet();
      } else if (frame.type() == Frame.Type.PONG) {
        hubPongs.incrementAndGet();
      }
    });
    until(Duration.ofSeconds(10), () -> hubPongs.get() >= 15);
    assertFalse(hubClosed.isDone());
    assertTrue(agentPings.get() >= 15, agentPings.get() + " agent pings");
    assertTrue(hubPings.get() <= agentPings.get() / 5, hubPings.get() + " hub pings"); // only after a late one
    TunnelStream stream = sessions[0].open(get("/hang"));
    agentSide.blackhole(); // the agent's answers are lost
    TunnelException reason = await(hubClosed);
    assertEquals(TunnelException.TIMEOUT, reason.code());
    assertThrows(ExecutionException.class, () -> await(stream.read()));
    assertThrows(TunnelException.class, () -> sessions[0].open(get("/after")));
  }

  @Test
  void aPeerThatDoesNotPingIsKeptAliveByTheHubsPings() throws Exception {
    TunnelSettings quietAgent = SETTINGS.withPing(Duration.ofHours(1), Duration.ofHours(2));
    TunnelSession[] sessions = connect(SETTINGS, quietAgent, echo());
    AtomicInteger agentPongs = new AtomicInteger();
    agentSide.tap(frame -> {
      if (frame.type() == Frame.Type.PONG) {
        agentPongs.incrementAndGet();
      }
    });
    until(Duration.ofSeconds(10), () -> agentPongs.get() >= 10); // ten intervals, over three ping timeouts
    assertFalse(sessions[0].closed().toCompletableFuture().isDone());
    List<HttpHead.Response> heads = new ArrayList<>();
    TunnelStream stream = sessions[0].open(get("/still-there"));
    stream.end();
    readBody(stream, heads);
    assertEquals(200, heads.get(0).status());
  }

  @Test
  void closeTellsThePeerWhy() throws Exception {
    TunnelSession[] sessions = connect(SETTINGS, (stream, head) -> {});
    TunnelStream stream = sessions[0].open(get("/open"));
    sessions[0].close("superseded by a newer connection");
    TunnelException reason = await(sessions[1].closed());
    assertTrue(reason.getMessage().contains("superseded by a newer connection"), reason.getMessage());
    assertThrows(ExecutionException.class, () -> await(stream.read()));
  }
}
