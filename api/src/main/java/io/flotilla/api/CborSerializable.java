package io.flotilla.api;

/** Marker for everything that crosses the wire between hub nodes or lands in the journal (Jackson CBOR). */
public interface CborSerializable {}
