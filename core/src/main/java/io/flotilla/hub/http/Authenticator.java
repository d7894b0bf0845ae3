package io.flotilla.hub.http;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import io.flotilla.api.StatusException;
import io.flotilla.api.Validation;
import io.flotilla.hub.cluster.ManagedClusterEntity;
import io.flotilla.hub.security.Secrets;
import io.flotilla.hub.security.TokenHash;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Bearer tokens to principals. Hub tokens are compared in constant time; other bootstrap tokens
 * are Secrets in kube-system ({@link BootstrapTokenSecrets}); a cluster token is
 * `<clusterId>.<secret>`, so it is checked by the one entity that holds its SHA-256.
 */
public final class Authenticator {
  private final ActorSystem<?> system;
  private final String adminToken;
  private final String bootstrapToken;
  private final String viewerToken;
  private final BootstrapTokenSecrets bootstrapSecrets;
  private final Duration askTimeout;

  public Authenticator(ActorSystem<?> system, String adminToken, String bootstrapToken, String viewerToken,
      BootstrapTokenSecrets bootstrapSecrets, Duration askTimeout) {
    this.bootstrapSecrets = bootstrapSecrets;
    this.system = system;
    this.adminToken = adminToken;
    this.bootstrapToken = bootstrapToken;
    this.viewerToken = viewerToken;
    this.askTimeout = askTimeout;
  }

  /** Completes with the principal, or fails with 401 for a missing or unknown token. */
  public CompletionStage<Principal> authenticate(String authorizationHeader) {
    return principal(authorizationHeader, false);
  }

  /**
   * As {@link #authenticate}, but a cluster token is not checked here: it comes back as a {@link
   * Principal.ClusterClaim}, for a request whose cluster entity checks it in the same ask as its work.
   */
  public CompletionStage<Principal> claim(String authorizationHeader) {
    return principal(authorizationHeader, true);
  }

  private CompletionStage<Principal> principal(String authorizationHeader, boolean clusterTokenUnchecked) {
    String token = bearer(authorizationHeader);
    if (token == null) {
      return CompletableFuture.failedFuture(StatusException.unauthorized());
    }
    if (Secrets.constantTimeEquals(token, adminToken)) {
      return CompletableFuture.completedFuture(new Principal.Admin());
    }
    if (Secrets.constantTimeEquals(token, bootstrapToken)) {
      return CompletableFuture.completedFuture(new Principal.Bootstrap());
    }
    if (Secrets.constantTimeEquals(token, viewerToken)) {
      return CompletableFuture.completedFuture(new Principal.Viewer());
    }
    if (BootstrapTokenSecrets.looksLikeOne(token)) {
      return bootstrapSecrets.valid(token).thenApply(valid -> {
        if (!valid) {
          throw StatusException.unauthorized();
        }
        return new Principal.Bootstrap();
      });
    }
    int dot = token.indexOf('.');
    if (dot <= 0 || !Validation.isUuid(token.substring(0, dot))) {
      return CompletableFuture.failedFuture(StatusException.unauthorized());
    }
    String clusterId = token.substring(0, dot);
    if (clusterTokenUnchecked) {
      return CompletableFuture.completedFuture(new Principal.ClusterClaim(clusterId, TokenHash.of(token)));
    }
    return ClusterSharding.get(system)
        .entityRefFor(ManagedClusterEntity.ENTITY_KEY, clusterId)
        .<ManagedClusterEntity.Reply>ask(replyTo -> new ManagedClusterEntity.Authenticate(TokenHash.of(token), replyTo),
            askTimeout)
        .thenApply(reply -> {
          if (reply instanceof ManagedClusterEntity.Authenticated auth && auth.valid()) {
            return new Principal.Cluster(clusterId, auth.namespace(), auth.clusterName());
          }
          throw StatusException.unauthorized();
        });
  }

  private static String bearer(String header) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = header.substring(7).trim();
    return token.isEmpty() ? null : token;
  }
}
