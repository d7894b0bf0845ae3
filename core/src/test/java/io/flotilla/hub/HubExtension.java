package io.flotilla.hub;

import io.flotilla.hub.security.HubHome;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import java.nio.file.Files;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A hub started for a test class on the shared Cassandra (register it after the Cassandra
 * extension, with @Order), stopped after the class.
 */
public final class HubExtension implements BeforeAllCallback, AfterAllCallback {
  private final EmbeddedCassandraExtension cassandra;
  private TestHubs.Running running;

  public HubExtension(EmbeddedCassandraExtension cassandra) {
    this.cassandra = cassandra;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    running = TestHubs.start(cassandra, Files.createTempDirectory("flotilla-hub-test"));
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (running != null) {
      running.close();
    }
  }

  public HubHome home() {
    return running.home();
  }

  public Hub hub() {
    return running.hub();
  }

  public HubClient client() {
    return running.client();
  }
}
