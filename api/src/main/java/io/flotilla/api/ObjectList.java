package io.flotilla.api;

import java.util.List;

/** A Kubernetes List kind (`ManagedClusterList`, ...): items of one kind with list metadata. */
public record ObjectList<T>(String apiVersion, String kind, ListMeta metadata, List<T> items) {}
