package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpEntity;
import akka.stream.Materializer;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.flotilla.api.StatusException;
import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class RequestBodyReaderTest {
  static final ActorTestKit testKit = ActorTestKit.create();
  static final Materializer materializer = Materializer.matFromSystem(testKit.system());
  static final RequestBodyReader reader = new RequestBodyReader(100, 1_000, Duration.ofSeconds(5));

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** A body of `chunks` chunks of 10 bytes; `pulled` counts the bytes the reader took from it. */
  static HttpEntity streamed(int chunks, AtomicLong pulled, boolean declareLength) {
    Source<ByteString, ?> data = Source.from(Collections.nCopies(chunks, ByteString.fromString("0123456789")))
        .map(chunk -> {
          pulled.addAndGet(chunk.size());
          return chunk;
        });
    return declareLength
        ? HttpEntities.create(ContentTypes.APPLICATION_JSON, chunks * 10L, data)
        : HttpEntities.createChunked(ContentTypes.APPLICATION_JSON, data);
  }

  static Throwable failure(HttpEntity entity) {
    ExecutionException failed = assertThrows(ExecutionException.class,
        () -> reader.read(entity, materializer).toCompletableFuture().get(5, TimeUnit.SECONDS));
    return HttpResponses.unwrap(failed);
  }

  static void assertTooLargeNamingTheCap(Throwable failure) {
    StatusException status = (StatusException) failure;
    assertEquals(413, status.status().code());
    assertEquals("request body is larger than the limit of 100 bytes", status.status().message());
  }

  @Test
  void aBodyUpToTheCapIsReadWhole() throws Exception {
    AtomicLong pulled = new AtomicLong();
    byte[] body = reader.read(streamed(10, pulled, false), materializer).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertArrayEquals("0123456789".repeat(10).getBytes(), body);
  }

  @Test
  void aStrictBodyIsTakenAsItIsUpToTheCap() throws Exception {
    byte[] body = "0123456789".repeat(10).getBytes();
    assertArrayEquals(body, reader.read(HttpEntities.create(ContentTypes.APPLICATION_JSON, body), materializer)
        .toCompletableFuture().get(5, TimeUnit.SECONDS));
    assertTooLargeNamingTheCap(failure(HttpEntities.create(ContentTypes.APPLICATION_JSON, new byte[101])));
  }

  @Test
  void aBodyOverTheCapIsReadToItsEndBeforeThe413() {
    for (boolean declared : new boolean[] {true, false}) {
      AtomicLong pulled = new AtomicLong();
      assertTooLargeNamingTheCap(failure(streamed(50, pulled, declared)));
      assertEquals(500, pulled.get(), "drained, declared length " + declared);
    }
  }

  @Test
  void aBodyOverTheDrainBoundIsRefusedWithTheCapInTheMessage() {
    AtomicLong pulled = new AtomicLong();
    assertTooLargeNamingTheCap(failure(streamed(200, pulled, true)));
    assertEquals(0, pulled.get(), "declared too large to drain: not read at all");
    assertTooLargeNamingTheCap(failure(streamed(200, new AtomicLong(), false)));
  }

  @Test
  void aDiscardedBodyIsReadToItsEndUpToTheDrainBoundAndNeverFails() throws Exception {
    for (boolean declared : new boolean[] {true, false}) {
      AtomicLong pulled = new AtomicLong();
      reader.discard(streamed(50, pulled, declared), materializer).toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertEquals(500, pulled.get(), "read to its end, declared length " + declared);
    }
    AtomicLong beyond = new AtomicLong();
    reader.discard(streamed(200, beyond, true), materializer).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(0, beyond.get(), "declared beyond the drain bound: left for the connection to close");
    reader.discard(streamed(200, new AtomicLong(), false), materializer).toCompletableFuture()
        .get(5, TimeUnit.SECONDS); // past the bound while streaming: stops there, without failing
  }
}
