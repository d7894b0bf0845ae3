package io.flotilla.hub.http;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.scaladsl.model.EntityStreamSizeException;
import akka.pattern.AskTimeoutException;
import io.flotilla.api.Json;
import io.flotilla.api.Status;
import io.flotilla.api.StatusException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** JSON responses, and every failure turned into a Kubernetes Status with the right code. */
public final class HttpResponses {
  private static final Logger log = LoggerFactory.getLogger(HttpResponses.class);

  private HttpResponses() {}

  public static HttpResponse json(int code, Object body) {
    return HttpResponse.create().withStatus(code).withEntity(ContentTypes.APPLICATION_JSON, Json.write(body));
  }

  public static HttpResponse status(Status status) {
    HttpResponse response = json(status.code(), status);
    return status.details() != null && status.details().retryAfterSeconds() != null
        ? response.addHeader(RawHeader.create("Retry-After", status.details().retryAfterSeconds().toString()))
        : response;
  }

  /** Runs a request's work; whatever it throws, now or later, is answered as a Status. */
  public static CompletionStage<HttpResponse> recover(Supplier<CompletionStage<HttpResponse>> work) {
    return run(work).handle((response, failure) -> failure == null ? response : status(toStatus(failure)));
  }

  /**
   * The same, where a failure that may come from Cassandra being gone (an entity's ask timing out,
   * the driver or the journal's circuit breaker failing) is answered 503 if it is (see StoreAvailability).
   */
  public static CompletionStage<HttpResponse> recover(Supplier<CompletionStage<HttpResponse>> work,
      StoreAvailability store) {
    return run(work).handle((response, failure) -> failure == null ? CompletableFuture.completedFuture(response)
            : store.toStatus(failure).thenApply(HttpResponses::status))
        .thenCompose(response -> response);
  }

  private static CompletionStage<HttpResponse> run(Supplier<CompletionStage<HttpResponse>> work) {
    try {
      return work.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  public static Status toStatus(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof StatusException statusException) {
      return statusException.status();
    }
    if (cause instanceof EntityStreamSizeException size) {
      return StatusException.tooLarge(size.limit()).status();
    }
    if (cause instanceof AskTimeoutException || cause instanceof TimeoutException) {
      return StatusException.timeout("the hub did not answer in time; the request may still complete").status();
    }
    log.error("request failed", cause);
    return Status.failure(500, "InternalError", "an internal error occurred: " + cause.getClass().getSimpleName(),
        null);
  }
}
