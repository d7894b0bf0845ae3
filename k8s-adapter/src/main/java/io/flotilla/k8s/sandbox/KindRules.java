package io.flotilla.k8s.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The few per-kind rules of kube-apiserver's registry strategies that clients notice: name validation,
 * what status a new object starts with, namespace labels and phases, service cluster IPs, secret data,
 * CustomResourceDefinitions' validation and status.
 */
final class KindRules {

  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

  /** Cluster IPs are handed out in order from 10.96.0.10, as a tiny stand-in for the service IP allocator. */
  private final AtomicInteger nextServiceIp = new AtomicInteger(10);

  /** Throws 422 Invalid unless {@code name} is valid for the type (RBAC allows ':' as in system:node). */
  static void validateName(ResourceType type, String name) {
    String problem;
    if (type.group().equals("rbac.authorization.k8s.io")) {
      problem = name.equals(".") || name.equals("..") || name.contains("/") || name.contains("%")
          ? "may not be '.' or '..' and may not contain '/' or '%'" : null;
    } else if (type.kind().equals("Namespace")) {
      problem = name.length() > 63 || !DNS_LABEL.matcher(name).matches()
          ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
            + "and must start and end with an alphanumeric character" : null;
    } else {
      problem = name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()
          ? "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
            + "and must start and end with an alphanumeric character" : null;
    }
    if (problem != null) {
      throw StatusError.invalid(type, name, "metadata.name: Invalid value: \"" + name + "\": " + problem);
    }
  }

  /** Defaults a new object; status is not client-settable on create except for nodes (kubelets register with it). */
  void prepareForCreate(ResourceType type, ObjectNode object) {
    if (type.hasStatus() && !type.kind().equals("Node")) {
      object.remove("status");
    }
    switch (type.kind()) {
      case "Namespace" -> {
        object.withObjectProperty("spec").withArrayProperty("finalizers").removeAll().add("kubernetes");
        object.putObject("status").put("phase", "Active");
      }
      case "Pod" -> object.putObject("status").put("phase", "Pending");
      case "Service" -> {
        ObjectNode spec = object.withObjectProperty("spec");
        if (spec.path("type").asText("").isEmpty()) {
          spec.put("type", "ClusterIP");
        }
        if (spec.path("clusterIP").asText("").isEmpty() && !spec.path("type").asText().equals("ExternalName")) {
          int n = nextServiceIp.getAndIncrement();
          spec.put("clusterIP", "10.96." + (n / 250) + "." + (n % 250 + 1));
        }
        if (spec.has("clusterIP") && !spec.has("clusterIPs")) {
          spec.putArray("clusterIPs").add(spec.get("clusterIP").asText());
        }
        object.putObject("status").putObject("loadBalancer");
      }
      case "Secret" -> {
        if (object.path("type").asText("").isEmpty()) {
          object.put("type", "Opaque");
        }
      }
      case CustomResourceDefinitions.KIND -> CustomResourceDefinitions.establish(object);
      default -> {
      }
    }
    normalize(type, object);
  }

  /** Applied to the new version of an updated object. */
  void prepareForUpdate(ResourceType type, ObjectNode old, ObjectNode updated) {
    if (type.kind().equals("Namespace")) {
      // a namespace's spec holds only its finalizers, which kube changes through /finalize alone
      updated.set("spec", old.get("spec").deepCopy());
    }
    if (type.kind().equals(CustomResourceDefinitions.KIND)) {
      CustomResourceDefinitions.establish(updated);
    }
    if (type.kind().equals("Service")) {
      // kube keeps allocated IPs when an update omits them
      for (String field : new String[] {"clusterIP", "clusterIPs"}) {
        JsonNode allocated = old.path("spec").get(field);
        if (allocated != null && !updated.path("spec").has(field)) {
          updated.withObjectProperty("spec").set(field, allocated);
        }
      }
    }
    normalize(type, updated);
  }

  /** Rules kube enforces on every write. */
  private static void normalize(ResourceType type, ObjectNode object) {
    switch (type.kind()) {
      case "Namespace" -> KubeObjects.metadata(object).withObjectProperty("labels")
          .put(NAMESPACE_NAME_LABEL, KubeObjects.name(object));
      case "Secret" -> normalizeSecretData(object);
      default -> {
      }
    }
  }

  /** data values must be base64 (kube decodes them as []byte); stringData is write-only and lands in data. */
  private static void normalizeSecretData(ObjectNode secret) {
    JsonNode data = secret.get("data");
    if (data != null) {
      data.fields().forEachRemaining(entry -> {
        try {
          Base64.getDecoder().decode(entry.getValue().asText());
        } catch (IllegalArgumentException e) {
          throw StatusError.badRequest("illegal base64 data in data[" + entry.getKey() + "]: " + e.getMessage());
        }
      });
    }
    JsonNode stringData = secret.remove("stringData");
    if (stringData != null) {
      ObjectNode merged = secret.withObjectProperty("data");
      stringData.fields().forEachRemaining(entry -> merged.put(entry.getKey(),
          Base64.getEncoder().encodeToString(entry.getValue().asText().getBytes(StandardCharsets.UTF_8))));
    }
  }
}
