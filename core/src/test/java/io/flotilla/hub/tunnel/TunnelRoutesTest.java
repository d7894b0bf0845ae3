package io.flotilla.hub.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flotilla.api.StatusException;
import org.junit.jupiter.api.Test;

class TunnelRoutesTest {
  @Test
  void proxyPathsBecomeTargets() {
    assertEquals("/api/v1/pods?watch=true&labelSelector=a%3Db",
        TunnelRoutes.target("/direct/api/v1/pods", "watch=true&labelSelector=a%3Db"));
    assertEquals("/", TunnelRoutes.target("/direct", null));
    assertEquals("/", TunnelRoutes.target("/direct/", null));
    assertEquals("https://10.0.0.1:6443/api/v1/nodes", TunnelRoutes.target("/https/10.0.0.1:6443/api/v1/nodes", null));
    assertEquals("http://svc.ns:8080/?q=1", TunnelRoutes.target("/http/svc.ns:8080", "q=1"));
    assertThrows(StatusException.class, () -> TunnelRoutes.target("/ftp/host:21/x", null));
    assertThrows(StatusException.class, () -> TunnelRoutes.target("", null));
    assertThrows(StatusException.class, () -> TunnelRoutes.target("/directory/x", null));
  }
}
