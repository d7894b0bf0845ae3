package io.flotilla.hub.http;

import akka.http.javadsl.model.HttpEntity;
import akka.http.scaladsl.model.EntityStreamSizeException;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.flotilla.api.StatusException;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Reads a request body of at most {@code maxBytes}. A larger one is still read to its end and dropped,
 * up to {@code drainBytes}, before the 413: answering while an HTTP/1.1 client is still sending makes the
 * hub close the connection with unread bytes, and the client then sees a reset instead of the Status.
 * A body declared larger than {@code drainBytes} is refused at once (its connection closes).
 */
public final class RequestBodyReader {
  private final long maxBytes;
  private final long drainBytes;
  private final Duration timeout;

  public RequestBodyReader(long maxBytes, long drainBytes, Duration timeout) {
    if (drainBytes < maxBytes) {
      throw new IllegalArgumentException("drainBytes (" + drainBytes + ") is below maxBytes (" + maxBytes + ")");
    }
    this.maxBytes = maxBytes;
    this.drainBytes = drainBytes;
    this.timeout = timeout;
  }

  public CompletionStage<byte[]> read(HttpEntity entity, Materializer materializer) {
    if (entity instanceof HttpEntity.Strict strict) {
      // already received whole (a small body usually is): no stream to run, which costs a heartbeat more than its JSON
      return strict.getData().size() > maxBytes
          ? CompletableFuture.failedFuture(StatusException.tooLarge(maxBytes))
          : CompletableFuture.completedFuture(strict.getData().toArray());
    }
    if (declaredBeyondDrain(entity)) {
      return CompletableFuture.failedFuture(StatusException.tooLarge(maxBytes));
    }
    // past maxBytes the chunks are counted by the entity's own limit but no longer kept
    return drained(entity)
        .runFold(ByteString.emptyByteString(),
            (kept, chunk) -> kept.size() > maxBytes ? kept : kept.concat(chunk), materializer)
        .handle((kept, failure) -> {
          if (failure != null) {
            throw HttpResponses.unwrap(failure) instanceof EntityStreamSizeException
                ? StatusException.tooLarge(maxBytes) : asUnchecked(failure);
          }
          if (kept.size() > maxBytes) {
            throw StatusException.tooLarge(maxBytes);
          }
          return kept.toArray();
        });
  }

  /**
   * Reads and drops a body the hub answers without taking it (a refusal before the body mattered),
   * up to {@code drainBytes}, for the reason above. Completes when it is read, or at once for a body
   * already received whole, declared beyond the bound, or failing; never fails.
   */
  public CompletionStage<Void> discard(HttpEntity entity, Materializer materializer) {
    if (entity instanceof HttpEntity.Strict || entity.isKnownEmpty() || declaredBeyondDrain(entity)) {
      return CompletableFuture.completedFuture(null);
    }
    return drained(entity)
        .runWith(Sink.ignore(), materializer)
        .handle((done, failure) -> null);
  }

  private boolean declaredBeyondDrain(HttpEntity entity) {
    OptionalLong declared = entity.getContentLengthOption();
    return declared.isPresent() && declared.getAsLong() > drainBytes;
  }

  /** The body's bytes, failing past drainBytes or after the timeout. */
  private Source<ByteString, Object> drained(HttpEntity entity) {
    return entity.withSizeLimit(drainBytes).getDataBytes().completionTimeout(timeout);
  }

  private static RuntimeException asUnchecked(Throwable failure) {
    return failure instanceof RuntimeException runtime ? runtime : new java.util.concurrent.CompletionException(failure);
  }
}
