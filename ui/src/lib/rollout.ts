/**
 * A Subscription's rollout, from its status as the hub writes it: bindingClusters
 * ("namespace/name"), replicas per feed aligned with them, desiredReleases/completedReleases,
 * aggregatedStatuses (per feed, one detail per binding cluster) and conditions.
 */

export interface Feed {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
}

export interface ClusterRow {
  /** "namespace/name" as in bindingClusters */
  binding: string;
  namespace: string;
  name: string;
  /** replicas per feed key (Dividing scheduling), absent for Replication */
  replicas: Record<string, number>;
  /** feeds this cluster reported available, of all feeds */
  availableFeeds: number;
  totalFeeds: number;
  readyReplicas?: number;
  wantedReplicas?: number;
}

export interface Failure {
  where: string;
  reason: string;
}

export interface Rollout {
  name: string;
  namespace: string;
  generation?: number;
  desired: number;
  completed: number;
  /** 0..100, rounded down */
  percent: number;
  done: boolean;
  clusters: ClusterRow[];
  feeds: { key: string; available: boolean; readyReplicas?: number; replicas?: number }[];
  failures: Failure[];
  conditions: { type: string; status: string; reason?: string; message?: string }[];
}

/** Clusternet's feed key: apiVersion/kind[/namespace]/name. */
export function feedKey(f: Feed): string {
  return [f.apiVersion, f.kind, f.namespace, f.name].filter((p) => p !== undefined && p !== '').join('/');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export function rollout(sub: Json): Rollout {
  const status = sub?.status ?? {};
  const bindings: string[] = Array.isArray(status.bindingClusters) ? status.bindingClusters : [];
  const replicas: Record<string, number[]> = status.replicas ?? {};
  const aggregated: Json[] = Array.isArray(status.aggregatedStatuses) ? status.aggregatedStatuses : [];
  const desired = Number(status.desiredReleases ?? 0);
  const completed = Number(status.completedReleases ?? 0);
  const clusters: ClusterRow[] = bindings.map((binding, i) => {
    const slash = binding.indexOf('/');
    const row: ClusterRow = {
      binding,
      namespace: binding.slice(0, slash),
      name: binding.slice(slash + 1),
      replicas: {},
      availableFeeds: 0,
      totalFeeds: aggregated.length,
    };
    for (const [key, perCluster] of Object.entries(replicas)) {
      if (Array.isArray(perCluster) && perCluster[i] !== undefined) row.replicas[key] = perCluster[i];
    }
    for (const feed of aggregated) {
      const detail = (feed.feedStatusDetails ?? [])[i];
      if (!detail) continue;
      if (detail.available) row.availableFeeds++;
      const rs = detail.replicaStatus;
      if (rs) {
        row.readyReplicas = (row.readyReplicas ?? 0) + Number(rs.readyReplicas ?? 0);
        row.wantedReplicas = (row.wantedReplicas ?? 0) + Number(rs.replicas ?? 0);
      }
    }
    return row;
  });
  const feeds = aggregated.map((f) => ({
    key: feedKey(f),
    available: Boolean(f.feedStatusSummary?.available),
    readyReplicas: f.feedStatusSummary?.replicaStatus?.readyReplicas,
    replicas: f.feedStatusSummary?.replicaStatus?.replicas,
  }));
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []).map((c: Json) => ({
    type: String(c.type), status: String(c.status), reason: c.reason, message: c.message,
  }));
  const failures: Failure[] = conditions
    .filter((c: { status: string }) => c.status === 'False')
    .map((c: { type: string; reason?: string; message?: string }) => ({
      where: `condition ${c.type}`,
      reason: [c.reason, c.message].filter(Boolean).join(': '),
    }));
  const percent = desired > 0 ? Math.floor((Math.min(completed, desired) * 100) / desired) : 0;
  return {
    name: sub?.metadata?.name ?? '',
    namespace: sub?.metadata?.namespace ?? '',
    generation: sub?.metadata?.generation,
    desired,
    completed,
    percent,
    done: desired > 0 && completed >= desired,
    clusters,
    feeds,
    failures,
    conditions,
  };
}

/** Failures of Descriptions (phase Failure with its reason), added to a rollout's. */
export function descriptionFailures(descriptions: Json[]): Failure[] {
  return descriptions
    .filter((d) => d?.status?.phase === 'Failure')
    .map((d) => ({
      where: `${d.metadata?.namespace}/${d.metadata?.name}`,
      reason: String(d.status?.reason ?? 'no reason given'),
    }));
}
