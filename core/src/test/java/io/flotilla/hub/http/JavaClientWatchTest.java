package io.flotilla.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import io.flotilla.hub.HubExtension;
import io.flotilla.persistence.testkit.EmbeddedCassandraExtension;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.kubernetes.client.util.generic.options.ListOptions;
import java.io.Reader;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The official Kubernetes Java client's generic API against the hub, as an informer uses it: a
 * list paged with limit/continue, then a watch from the list's resourceVersion that sees the later
 * writes and none of the earlier ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JavaClientWatchTest {
  @RegisterExtension
  @Order(1)
  static final EmbeddedCassandraExtension cassandra = new EmbeddedCassandraExtension();

  @RegisterExtension
  @Order(2)
  static final HubExtension hub = new HubExtension(cassandra);

  static final String NAMESPACE = "java-client";
  static final int OBJECTS = 25;

  GenericKubernetesApi<V1ConfigMap, V1ConfigMapList> configMaps;

  @BeforeAll
  void connect() throws Exception {
    KubeConfig kubeconfig;
    try (Reader reader = Files.newBufferedReader(hub.home().kubeconfig())) {
      kubeconfig = KubeConfig.loadKubeConfig(reader);
    }
    // no read timeout: a watch is quiet between changes
    ApiClient client = ClientBuilder.kubeconfig(kubeconfig).setReadTimeout(Duration.ZERO).build();
    configMaps = new GenericKubernetesApi<>(V1ConfigMap.class, V1ConfigMapList.class, "", "v1", "configmaps", client);
  }

  static V1ConfigMap configMap(String name) {
    return new V1ConfigMap().apiVersion("v1").kind("ConfigMap")
        .metadata(new V1ObjectMeta().name(name).namespace(NAMESPACE)).data(Map.of("k", "v"));
  }

  static String name(int i) {
    return String.format("cm-%02d", i);
  }

  @Test
  void listInPagesThenWatchFromTheListsResourceVersion() throws Exception {
    for (int i = 0; i < OBJECTS; i++) {
      configMaps.create(configMap(name(i))).throwsApiException();
    }
    TestProbe.create(hub.hub().system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
      assertEquals(OBJECTS, configMaps.list(NAMESPACE).throwsApiException().getObject().getItems().size());
      return null;
    });

    List<String> listed = new ArrayList<>();
    ListOptions page = new ListOptions();
    page.setLimit(10);
    String listVersion = null;
    int pages = 0;
    do {
      V1ConfigMapList list = configMaps.list(NAMESPACE, page).throwsApiException().getObject();
      list.getItems().forEach(cm -> listed.add(cm.getMetadata().getName()));
      if (listVersion == null) {
        listVersion = list.getMetadata().getResourceVersion();
      }
      assertEquals(listVersion, list.getMetadata().getResourceVersion(), "every page of a list has its resourceVersion");
      page.setContinue(list.getMetadata().getContinue());
      pages++;
    } while (page.getContinue() != null && !page.getContinue().isEmpty());
    assertEquals(IntStream.range(0, OBJECTS).mapToObj(JavaClientWatchTest::name).toList(), listed);
    assertEquals(3, pages);

    ListOptions fromList = new ListOptions();
    fromList.setResourceVersion(listVersion);
    BlockingQueue<Watch.Response<V1ConfigMap>> events = new LinkedBlockingQueue<>();
    try (Watchable<V1ConfigMap> watch = configMaps.watch(NAMESPACE, fromList)) {
      Thread reader = new Thread(() -> {
        try {
          watch.forEach(events::add);
        } catch (RuntimeException closed) {
          // the test closed the watch
        }
      }, "java-client-watch");
      reader.setDaemon(true);
      reader.start();

      configMaps.create(configMap(name(OBJECTS))).throwsApiException();
      expect(events, "ADDED", name(OBJECTS));
      V1ConfigMap changed = configMaps.get(NAMESPACE, name(3)).throwsApiException().getObject().data(Map.of("k", "w"));
      configMaps.update(changed).throwsApiException();
      assertEquals("w", expect(events, "MODIFIED", name(3)).getData().get("k"));
      configMaps.delete(NAMESPACE, name(7)).throwsApiException();
      expect(events, "DELETED", name(7));
    }
  }

  /** The next event, which must be this one: an earlier write seen again would come first. */
  static V1ConfigMap expect(BlockingQueue<Watch.Response<V1ConfigMap>> events, String type, String name)
      throws InterruptedException {
    Watch.Response<V1ConfigMap> event = events.poll(15, TimeUnit.SECONDS);
    assertTrue(event != null, "no " + type + " " + name + " within 15 s");
    assertEquals(type + " " + name, event.type + " " + (event.object == null ? event.status : event.object.getMetadata().getName()));
    return event.object;
  }
}
