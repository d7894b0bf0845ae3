package io.flotilla.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.Map;

/** clusters.clusternet.io/v1beta1 ClusterRegistrationRequest (cluster-scoped, short name clsrr). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClusterRegistrationRequest(
    String apiVersion, String kind, ObjectMeta metadata, Spec spec, RequestStatus status) {

  public static final String KIND = "ClusterRegistrationRequest";
  public static final String NAME_PREFIX = "clusternet-";

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Spec(
      String clusterId,
      String clusterType,
      String clusterName,
      String clusterNamespace,
      @JsonDeserialize(converter = CompactMap.FromJson.class) Map<String, String> clusterLabels,
      String syncMode)
      implements CborSerializable {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record RequestStatus(
      String dedicatedNamespace,
      String token,
      String caCertificate,
      String result,
      String errorMessage,
      String managedClusterName) {}

  /** Approval results, as Clusternet's ApprovedResult. */
  public static final String APPROVED = "Approved";
  public static final String DENIED = "Denied";
  public static final String FAILED = "Failed";

  public static String nameFor(String clusterId) {
    return NAME_PREFIX + clusterId;
  }
}
