package io.flotilla.hub.objects;

import io.flotilla.api.PrinterColumn;
import io.flotilla.api.ResourceType;
import io.flotilla.hub.objects.kinds.DescriptionRules;
import io.flotilla.hub.objects.kinds.FeedsRules;
import io.flotilla.hub.objects.kinds.HelmRules;
import io.flotilla.hub.objects.kinds.KindRules;
import io.flotilla.hub.objects.kinds.ManifestRules;
import io.flotilla.hub.objects.kinds.ObjectCodec;
import io.flotilla.hub.objects.kinds.OverrideRules;
import io.flotilla.hub.objects.kinds.SecretCodec;
import io.flotilla.hub.objects.kinds.SubscriptionRules;
import io.flotilla.hub.security.TokenCipher;
import java.util.List;

/**
 * Every kind the hub stores as objects: Clusternet's apps.clusternet.io/v1alpha1 kinds (short
 * names, scopes, status subresources and printer columns as in its CRDs) and the built-in kinds
 * accepted as feeds (templates: stored, never run on the hub).
 */
public final class Kinds {
  private Kinds() {}

  private static final String APPS = "apps.clusternet.io";
  private static final List<String> VERBS = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update",
      "watch");
  private static final List<String> STATUS = List.of("status");
  private static final List<String> STATUS_AND_HISTORY = List.of("status", "history");
  private static final List<PrinterColumn> AGE = List.of(PrinterColumn.age());
  private static final List<PrinterColumn> HELM_COLUMNS = List.of(PrinterColumn.of("CHART", ".spec.chart"),
      PrinterColumn.of("VERSION", ".spec.version"), PrinterColumn.of("REPO", ".spec.repo"),
      PrinterColumn.of("STATUS", ".status.phase"), PrinterColumn.age());

  public static List<ObjectKind> all(TokenCipher cipher) {
    return List.of(
        clusternet("Subscription", "subscriptions", List.of("sub", "subs"), true, STATUS_AND_HISTORY, AGE,
            new SubscriptionRules()),
        clusternet("HelmChart", "helmcharts", List.of("chart", "charts"), true, STATUS, HELM_COLUMNS, new HelmRules()),
        clusternet("HelmRelease", "helmreleases", List.of("hr"), true, STATUS, HELM_COLUMNS, new HelmRules()),
        clusternet("Manifest", "manifests", List.of("mf"), true, List.of(), AGE, new ManifestRules()),
        clusternet("Base", "bases", List.of("base"), true, List.of(), AGE, new FeedsRules()),
        clusternet("Description", "descriptions", List.of("desc"), true, STATUS_AND_HISTORY,
            List.of(PrinterColumn.of("DEPLOYER", ".spec.deployer"), PrinterColumn.of("STATUS", ".status.phase"),
                PrinterColumn.age()), new DescriptionRules()),
        clusternet("Localization", "localizations", List.of("loc", "local"), true, List.of(), AGE, new OverrideRules()),
        clusternet("Globalization", "globalizations", List.of("glob", "global"), false, List.of(), AGE,
            new OverrideRules()),
        clusternet("FeedInventory", "feedinventories", List.of("finv"), true, List.of(), AGE, KindRules.NONE),
        builtIn("", "Namespace", "namespaces", List.of("ns"), false, STATUS,
            List.of(PrinterColumn.of("STATUS", ".status.phase"), PrinterColumn.age()), ObjectCodec.PLAIN),
        builtIn("", "Service", "services", List.of("svc"), true, STATUS,
            List.of(PrinterColumn.of("TYPE", ".spec.type"), PrinterColumn.of("CLUSTER-IP", ".spec.clusterIP"),
                PrinterColumn.age()), ObjectCodec.PLAIN),
        builtIn("", "ConfigMap", "configmaps", List.of("cm"), true, List.of(), AGE, ObjectCodec.PLAIN),
        builtIn("", "Secret", "secrets", List.of(), true, List.of(),
            List.of(PrinterColumn.of("TYPE", ".type"), PrinterColumn.age()), new SecretCodec(cipher)),
        builtIn("", "ServiceAccount", "serviceaccounts", List.of("sa"), true, List.of(), AGE, ObjectCodec.PLAIN),
        builtIn("apps", "Deployment", "deployments", List.of("deploy"), true, STATUS, AGE, ObjectCodec.PLAIN),
        builtIn("apps", "StatefulSet", "statefulsets", List.of("sts"), true, STATUS, AGE, ObjectCodec.PLAIN),
        builtIn("apps", "DaemonSet", "daemonsets", List.of("ds"), true, STATUS, AGE, ObjectCodec.PLAIN));
  }

  private static ObjectKind clusternet(String kind, String plural, List<String> shortNames, boolean namespaced,
      List<String> subresources, List<PrinterColumn> columns, KindRules rules) {
    return new ObjectKind(new ResourceType(APPS, "v1alpha1", kind, plural, kind.toLowerCase(), shortNames, namespaced,
        VERBS, subresources, columns), false, rules, ObjectCodec.PLAIN);
  }

  private static ObjectKind builtIn(String group, String kind, String plural, List<String> shortNames,
      boolean namespaced, List<String> subresources, List<PrinterColumn> columns, ObjectCodec codec) {
    return new ObjectKind(new ResourceType(group, "v1", kind, plural, kind.toLowerCase(), shortNames, namespaced,
        VERBS, subresources, columns), true, KindRules.NONE, codec);
  }
}
