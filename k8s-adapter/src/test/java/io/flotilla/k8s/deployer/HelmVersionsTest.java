package io.flotilla.k8s.deployer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HelmVersionsTest {

  private static final List<String> INDEX = List.of("0.9.0", "1.0.0", "1.2.3", "1.2.10", "1.3.0-rc.1", "1.10.0",
      "2.0.0", "2.1.0-beta.2", "v3.0.0");

  @Test
  void anExactVersionAsWrittenWins() {
    assertEquals(Optional.of("1.2.3"), HelmVersions.pick(INDEX, "1.2.3"));
    assertEquals(Optional.of("v3.0.0"), HelmVersions.pick(INDEX, "v3.0.0"));
    assertEquals(Optional.of("1.3.0-rc.1"), HelmVersions.pick(INDEX, "1.3.0-rc.1"));
    assertEquals(Optional.empty(), HelmVersions.pick(INDEX, "9.9.9"));
  }

  @Test
  void noVersionIsTheNewestStableOne() {
    assertEquals(Optional.of("v3.0.0"), HelmVersions.pick(INDEX, ""));
    assertEquals(Optional.of("v3.0.0"), HelmVersions.pick(INDEX, null));
    assertEquals(Optional.of("1.0.0"), HelmVersions.pick(List.of("1.0.0", "1.1.0-alpha"), ""));
    assertEquals(Optional.empty(), HelmVersions.pick(List.of("1.1.0-alpha"), ""));
  }

  @Test
  void constraintsPickTheHighestMatch() {
    assertEquals(Optional.of("1.10.0"), HelmVersions.pick(INDEX, "^1.0.0"));
    assertEquals(Optional.of("1.2.10"), HelmVersions.pick(INDEX, "~1.2"));
    assertEquals(Optional.of("1.2.10"), HelmVersions.pick(INDEX, "1.2.x"));
    assertEquals(Optional.of("1.2.10"), HelmVersions.pick(INDEX, ">=1.2.0, <1.3.0"));
    assertEquals(Optional.of("1.2.10"), HelmVersions.pick(INDEX, ">=1.2.0 <1.3.0"));
    assertEquals(Optional.of("0.9.0"), HelmVersions.pick(INDEX, "<1"));
    assertEquals(Optional.of("2.0.0"), HelmVersions.pick(INDEX, "1.2.3 - 2.0.0"));
    assertEquals(Optional.of("2.0.0"), HelmVersions.pick(INDEX, "^0.9 || ^2"));
    assertEquals(Optional.of("1.3.0-rc.1"), HelmVersions.pick(INDEX, ">=1.3.0-0, <1.4.0"));
    assertEquals(Optional.of("2.1.0-beta.2"), HelmVersions.pick(INDEX, "~2.1.0-beta"));
  }

  @Test
  void satisfies() {
    assertTrue(HelmVersions.satisfies("0.2.5", "^0.2.3"));
    assertFalse(HelmVersions.satisfies("0.3.0", "^0.2.3"));
    assertTrue(HelmVersions.satisfies("0.0.3", "^0.0.3"));
    assertFalse(HelmVersions.satisfies("0.0.4", "^0.0.3"));
    assertTrue(HelmVersions.satisfies("1.3.0", ">1.2"));
    assertFalse(HelmVersions.satisfies("1.2.9", ">1.2"));
    assertTrue(HelmVersions.satisfies("1.2.9", "<=1.2"));
    assertFalse(HelmVersions.satisfies("1.2.3", "!=1.2.3"));
    assertTrue(HelmVersions.satisfies("1.2.4", "!=1.2.3"));
    assertFalse(HelmVersions.satisfies("1.2.4-rc.1", ">=1.0.0"), "a pre-release needs a pre-release term");
    assertTrue(HelmVersions.satisfies("1.0.0-rc.10", ">1.0.0-rc.9"));
    assertFalse(HelmVersions.satisfies("1.0.0-rc.10", ">1.0.0"));
  }

  @Test
  void aBadConstraintIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> HelmVersions.pick(INDEX, ">=banana"));
  }
}
