package io.flotilla.hub;

import io.flotilla.api.HubPlugin;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link HubPlugin}s on this node's classpath, told as one: a plugin that throws is logged and
 * never breaks the tunnel or the node that told it.
 */
public final class HubPlugins implements HubPlugin {
  private static final Logger log = LoggerFactory.getLogger(HubPlugins.class);
  private final List<HubPlugin> plugins;

  private HubPlugins(List<HubPlugin> plugins) {
    this.plugins = plugins;
  }

  /** The plugins found with ServiceLoader; none when `enabled` is false (flotilla.hub.plugins). */
  public static HubPlugins load(boolean enabled) {
    List<HubPlugin> found = enabled
        ? ServiceLoader.load(HubPlugin.class).stream().map(ServiceLoader.Provider::get).toList()
        : List.of();
    found.forEach(plugin -> log.info("hub plugin {}", plugin.getClass().getName()));
    return new HubPlugins(found);
  }

  @Override
  public void start(Endpoint hub) {
    each("start", plugin -> plugin.start(hub));
  }

  @Override
  public void tunnelOpened(String clusterId) {
    each("tunnelOpened", plugin -> plugin.tunnelOpened(clusterId));
  }

  @Override
  public void tunnelClosed(String clusterId) {
    each("tunnelClosed", plugin -> plugin.tunnelClosed(clusterId));
  }

  @Override
  public void close() {
    each("close", HubPlugin::close);
  }

  private void each(String what, Consumer<HubPlugin> call) {
    for (HubPlugin plugin : plugins) {
      try {
        call.accept(plugin);
      } catch (RuntimeException e) {
        log.error("hub plugin {} failed in {}", plugin.getClass().getName(), what, e);
      }
    }
  }
}
