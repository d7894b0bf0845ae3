package io.flotilla.api;

/**
 * A column of `kubectl get` output, as a CRD's additionalPrinterColumns: jsonPath is a simple
 * dotted path (`.spec.clusterId`); type "date" columns show as an age; priority > 0 only with -o wide.
 */
public record PrinterColumn(String name, String type, String jsonPath, int priority) {
  public static PrinterColumn of(String name, String jsonPath) {
    return new PrinterColumn(name, "string", jsonPath, 0);
  }

  public static PrinterColumn age() {
    return new PrinterColumn("AGE", "date", ".metadata.creationTimestamp", 0);
  }
}
