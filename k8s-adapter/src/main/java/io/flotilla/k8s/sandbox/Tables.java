package io.flotilla.k8s.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/**
 * Server-side printing: {@code kubectl get} asks for {@code meta.k8s.io Table}s, whose columns the server
 * chooses. A few everyday kinds get kube's columns; the others get NAME and AGE.
 */
final class Tables {

  /** A column; priority 1 columns only show with {@code -o wide}. */
  private record Column(String name, String type, int priority, Function<JsonNode, Object> cell) {
  }

  private static final Column NAME = new Column("Name", "string", 0, KubeObjects::name);
  private static final Column AGE = new Column("Age", "string", 0, Tables::age);

  private static final Map<String, List<Column>> COLUMNS = Map.of(
      "Node", List.of(NAME, text("Status", Tables::nodeStatus), text("Roles", Tables::nodeRoles), AGE,
          text("Version", n -> n.path("status").path("nodeInfo").path("kubeletVersion").asText()),
          wide("Internal-IP", n -> nodeAddress(n, "InternalIP")),
          wide("External-IP", n -> nodeAddress(n, "ExternalIP")),
          wide("OS-Image", n -> n.path("status").path("nodeInfo").path("osImage").asText()),
          wide("Kernel-Version", n -> n.path("status").path("nodeInfo").path("kernelVersion").asText()),
          wide("Container-Runtime", n -> n.path("status").path("nodeInfo").path("containerRuntimeVersion").asText())),
      "Pod", List.of(NAME, text("Ready", Tables::podReady), text("Status", Tables::podStatus),
          new Column("Restarts", "integer", 0, p -> sum(p.path("status").path("containerStatuses"), "restartCount")),
          AGE,
          wide("IP", p -> orNone(p.path("status").path("podIP").asText())),
          wide("Node", p -> orNone(p.path("spec").path("nodeName").asText()))),
      "Deployment", List.of(NAME,
          text("Ready", d -> d.path("status").path("readyReplicas").asInt() + "/" + replicas(d)),
          new Column("Up-to-date", "integer", 0, d -> d.path("status").path("updatedReplicas").asInt()),
          new Column("Available", "integer", 0, d -> d.path("status").path("availableReplicas").asInt()),
          AGE,
          wide("Containers", d -> join(d.path("spec").path("template").path("spec").path("containers"), "name")),
          wide("Images", d -> join(d.path("spec").path("template").path("spec").path("containers"), "image")),
          wide("Selector", d -> labels(d.path("spec").path("selector").path("matchLabels")))),
      "ReplicaSet", List.of(NAME,
          new Column("Desired", "integer", 0, Tables::replicas),
          new Column("Current", "integer", 0, r -> r.path("status").path("replicas").asInt()),
          new Column("Ready", "integer", 0, r -> r.path("status").path("readyReplicas").asInt()),
          AGE),
      "StatefulSet", List.of(NAME,
          text("Ready", s -> s.path("status").path("readyReplicas").asInt() + "/" + replicas(s)), AGE),
      "Service", List.of(NAME, text("Type", s -> s.path("spec").path("type").asText("ClusterIP")),
          text("Cluster-IP", s -> orNone(s.path("spec").path("clusterIP").asText())),
          text("External-IP", Tables::externalIps), text("Port(s)", Tables::servicePorts), AGE,
          wide("Selector", s -> labels(s.path("spec").path("selector")))),
      "Namespace", List.of(NAME, text("Status", n -> n.path("status").path("phase").asText()), AGE),
      "ConfigMap", List.of(NAME,
          new Column("Data", "integer", 0, c -> c.path("data").size() + c.path("binaryData").size()), AGE),
      "Secret", List.of(NAME, text("Type", s -> s.path("type").asText()),
          new Column("Data", "integer", 0, s -> s.path("data").size()), AGE),
      "Lease", List.of(NAME, text("Holder", l -> l.path("spec").path("holderIdentity").asText()), AGE));

  private Tables() {
  }

  /**
   * A Table of {@code objects}; {@code includeObject} is the request's parameter (None, Metadata by default,
   * or Object), which decides what each row carries for kubectl's NAMESPACE and LABELS columns.
   */
  static ObjectNode table(ResourceType type, List<? extends JsonNode> objects, String tableApiVersion,
                          String includeObject, ObjectNode listMetadata) {
    List<Column> columns = COLUMNS.getOrDefault(type.kind(), List.of(NAME, AGE));
    ObjectNode table = JsonNodeFactory.instance.objectNode().put("kind", "Table").put("apiVersion", tableApiVersion);
    table.set("metadata", listMetadata);
    ArrayNode definitions = table.putArray("columnDefinitions");
    for (Column column : columns) {
      definitions.addObject()
          .put("name", column.name())
          .put("type", column.type())
          .put("format", column == NAME ? "name" : "")
          .put("description", column.name())
          .put("priority", column.priority());
    }
    ArrayNode rows = table.putArray("rows");
    for (JsonNode object : objects) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Column column : columns) {
        Object cell = column.cell().apply(object);
        if (cell instanceof Integer number) {
          cells.add(number);
        } else {
          cells.add(String.valueOf(cell));
        }
      }
      if ("Object".equals(includeObject)) {
        row.set("object", object);
      } else if (!"None".equals(includeObject)) {
        ObjectNode partial = row.putObject("object")
            .put("kind", "PartialObjectMetadata").put("apiVersion", tableApiVersion);
        partial.set("metadata", object.path("metadata"));
      }
    }
    return table;
  }

  private static Column text(String name, Function<JsonNode, Object> cell) {
    return new Column(name, "string", 0, cell);
  }

  private static Column wide(String name, Function<JsonNode, Object> cell) {
    return new Column(name, "string", 1, cell);
  }

  private static String nodeStatus(JsonNode node) {
    String ready = "NotReady";
    for (JsonNode condition : node.path("status").path("conditions")) {
      if (condition.path("type").asText().equals("Ready") && condition.path("status").asText().equals("True")) {
        ready = "Ready";
      }
    }
    return node.path("spec").path("unschedulable").asBoolean() ? ready + ",SchedulingDisabled" : ready;
  }

  private static String nodeRoles(JsonNode node) {
    String prefix = "node-role.kubernetes.io/";
    List<String> roles = new ArrayList<>();
    node.path("metadata").path("labels").fieldNames().forEachRemaining(label -> {
      if (label.startsWith(prefix)) {
        roles.add(label.substring(prefix.length()));
      }
    });
    return roles.isEmpty() ? "<none>" : String.join(",", roles);
  }

  private static String nodeAddress(JsonNode node, String type) {
    for (JsonNode address : node.path("status").path("addresses")) {
      if (address.path("type").asText().equals(type)) {
        return address.path("address").asText();
      }
    }
    return "<none>";
  }

  private static String podReady(JsonNode pod) {
    long ready = StreamSupport.stream(pod.path("status").path("containerStatuses").spliterator(), false)
        .filter(s -> s.path("ready").asBoolean())
        .count();
    return ready + "/" + pod.path("spec").path("containers").size();
  }

  /** As kubectl shows it: a waiting or terminated container's reason wins over the phase. */
  private static String podStatus(JsonNode pod) {
    if (pod.path("metadata").has("deletionTimestamp")) {
      return "Terminating";
    }
    for (JsonNode status : pod.path("status").path("containerStatuses")) {
      for (String state : List.of("waiting", "terminated")) {
        String reason = status.path("state").path(state).path("reason").asText("");
        if (!reason.isEmpty()) {
          return reason;
        }
      }
    }
    return pod.path("status").path("reason").asText(pod.path("status").path("phase").asText());
  }

  private static String externalIps(JsonNode service) {
    List<String> ips = new ArrayList<>();
    service.path("status").path("loadBalancer").path("ingress")
        .forEach(i -> ips.add(i.path("ip").asText(i.path("hostname").asText())));
    service.path("spec").path("externalIPs").forEach(ip -> ips.add(ip.asText()));
    return ips.isEmpty() ? "<none>" : String.join(",", ips);
  }

  private static String servicePorts(JsonNode service) {
    List<String> ports = new ArrayList<>();
    for (JsonNode port : service.path("spec").path("ports")) {
      String nodePort = port.has("nodePort") ? ":" + port.path("nodePort").asInt() : "";
      ports.add(port.path("port").asInt() + nodePort + "/" + port.path("protocol").asText("TCP"));
    }
    return ports.isEmpty() ? "<none>" : String.join(",", ports);
  }

  private static int replicas(JsonNode workload) {
    return workload.path("spec").path("replicas").asInt(1);
  }

  private static int sum(JsonNode list, String field) {
    int total = 0;
    for (JsonNode element : list) {
      total += element.path(field).asInt();
    }
    return total;
  }

  private static String join(JsonNode list, String field) {
    return StreamSupport.stream(list.spliterator(), false)
        .map(e -> e.path(field).asText())
        .collect(Collectors.joining(","));
  }

  private static String labels(JsonNode map) {
    List<String> pairs = new ArrayList<>();
    map.fields().forEachRemaining(e -> pairs.add(e.getKey() + "=" + e.getValue().asText()));
    return pairs.isEmpty() ? "<none>" : String.join(",", pairs);
  }

  private static String orNone(String value) {
    return value.isEmpty() ? "<none>" : value;
  }

  private static String age(JsonNode object) {
    try {
      Instant created = Instant.parse(object.path("metadata").path("creationTimestamp").asText());
      return humanDuration(Duration.between(created, Instant.now()));
    } catch (DateTimeParseException e) {
      return "<unknown>";
    }
  }

  /** kube's duration.HumanDuration: 45s, 5m3s, 12m, 3h5m, 10h, 3d4h, 20d, 2y30d, 9y. */
  private static String humanDuration(Duration duration) {
    long seconds = duration.getSeconds();
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 60 * 2) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 10) {
      return seconds % 60 == 0 ? minutes + "m" : minutes + "m" + seconds % 60 + "s";
    } else if (minutes < 60 * 3) {
      return minutes + "m";
    }
    long hours = minutes / 60;
    if (hours < 8) {
      return minutes % 60 == 0 ? hours + "h" : hours + "h" + minutes % 60 + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      return hours % 24 == 0 ? hours / 24 + "d" : hours / 24 + "d" + hours % 24 + "h";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      long days = hours / 24 % 365;
      return days == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + days + "d";
    }
    return hours / 24 / 365 + "y";
  }
}
