package io.flotilla.api;

import java.util.List;

/** What discovery says of one kind, and what the generic resource routes are built from. */
public record ResourceType(
    String group,
    String version,
    String kind,
    String plural,
    String singular,
    List<String> shortNames,
    boolean namespaced,
    List<String> verbs,
    List<String> subresources,
    List<PrinterColumn> printerColumns) {

  public String groupVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  public String listKind() {
    return kind + "List";
  }
}
