package io.flotilla.hub;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
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
  private final Config overrides;
  private TestHubs.Running running;

  public HubExtension(EmbeddedCassandraExtension cassandra) {
    this(cassandra, ConfigFactory.empty());
  }

  /** With settings of the test's own over the test hubs' configuration. */
  public HubExtension(EmbeddedCassandraExtension cassandra, Config overrides) {
    this.cassandra = cassandra;
    this.overrides = overrides;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    running = TestHubs.start(Files.createTempDirectory("flotilla-hub-test"),
        overrides.withFallback(TestHubs.config(cassandra)));
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
