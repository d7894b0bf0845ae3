/** The cluster list's rows and their client-side sort (within the page the hub returned). */
import { readiness, type Readiness } from './format';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface ClusterSummaryRow {
  namespace: string;
  name: string;
  clusterId: string;
  readiness: Readiness;
  k8sVersion: string;
  syncMode: string;
  clusterType: string;
  nodes: string;
  labels: Record<string, string>;
  created: string;
}

export const HUB_LABEL_PREFIX = 'clusters.clusternet.io/';

export function clusterRow(c: Json): ClusterSummaryRow {
  const stats = c?.status?.nodeStatistics ?? {};
  const ready = stats.readyNodes ?? 0;
  const total = ready + (stats.notReadyNodes ?? 0) + (stats.unknownNodes ?? 0) + (stats.lostNodes ?? 0);
  return {
    namespace: c?.metadata?.namespace ?? '',
    name: c?.metadata?.name ?? '',
    clusterId: c?.spec?.clusterId ?? '',
    readiness: readiness(c?.status),
    k8sVersion: c?.status?.k8sVersion ?? '',
    syncMode: c?.spec?.syncMode ?? '',
    clusterType: c?.spec?.clusterType ?? '',
    nodes: c?.status?.nodeStatistics ? `${ready}/${total}` : '',
    labels: c?.metadata?.labels ?? {},
    created: c?.metadata?.creationTimestamp ?? '',
  };
}

/** Labels a user set (the hub's own clusters.clusternet.io/* labels left out). */
export function userLabels(labels: Record<string, string>): [string, string][] {
  return Object.entries(labels ?? {})
    .filter(([k]) => !k.startsWith(HUB_LABEL_PREFIX))
    .sort((a, b) => a[0].localeCompare(b[0]));
}

export type SortKey = 'name' | 'namespace' | 'readiness' | 'k8sVersion' | 'syncMode' | 'created';

const READINESS_ORDER: Record<Readiness, number> = { NotReady: 0, Unknown: 1, Ready: 2 };

/** Compares Kubernetes versions numerically (v1.9 < v1.29), with a text fallback. */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.+-]/);
  const pb = b.replace(/^v/, '').split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    const c = !Number.isNaN(nx) && !Number.isNaN(ny) ? nx - ny : x.localeCompare(y);
    if (c !== 0) return c;
  }
  return 0;
}

export function sortRows(rows: ClusterSummaryRow[], key: SortKey, ascending = true): ClusterSummaryRow[] {
  const cmp = (a: ClusterSummaryRow, b: ClusterSummaryRow): number => {
    switch (key) {
      case 'readiness':
        return READINESS_ORDER[a.readiness] - READINESS_ORDER[b.readiness];
      case 'k8sVersion':
        return compareVersions(a.k8sVersion, b.k8sVersion);
      case 'created':
        return Date.parse(a.created || '0') - Date.parse(b.created || '0');
      default:
        return String(a[key]).localeCompare(String(b[key]));
    }
  };
  const sign = ascending ? 1 : -1;
  return [...rows].sort((a, b) => sign * cmp(a, b) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}
