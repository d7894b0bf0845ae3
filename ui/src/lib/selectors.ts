/**
 * Kubernetes label selectors as the hub parses them (equality and set-based), built from what a
 * user picks in the dashboard, and the query strings of list requests.
 */

export type Requirement =
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' };

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function isLabelKey(key: string): boolean {
  const name = key.includes('/') ? key.slice(key.indexOf('/') + 1) : key;
  return key.length > 0 && name.length <= 63 && KEY.test(key);
}

export function isLabelValue(value: string): boolean {
  return value.length <= 63 && VALUE.test(value);
}

/** One requirement as selector text; throws on a key or value the hub would refuse. */
export function requirementText(r: Requirement): string {
  if (!isLabelKey(r.key)) {
    throw new Error(`not a label key: "${r.key}"`);
  }
  switch (r.op) {
    case '=':
    case '!=':
      if (!isLabelValue(r.value)) throw new Error(`not a label value: "${r.value}"`);
      return `${r.key}${r.op}${r.value}`;
    case 'in':
    case 'notin': {
      if (r.values.length === 0) throw new Error(`"${r.op}" needs at least one value`);
      r.values.forEach((v) => {
        if (!isLabelValue(v)) throw new Error(`not a label value: "${v}"`);
      });
      return `${r.key} ${r.op} (${[...new Set(r.values)].sort().join(',')})`;
    }
    case 'exists':
      return r.key;
    case '!exists':
      return `!${r.key}`;
  }
}

/** Requirements joined as a labelSelector (AND), or '' when there are none. */
export function labelSelector(requirements: Requirement[]): string {
  return requirements.map(requirementText).join(',');
}

/**
 * Parses what a user typed in the selector box: `key=value`, `key!=value`, `key in (a,b)`,
 * `key notin (a)`, `key`, `!key`, comma-separated (commas inside parentheses belong to the set).
 */
export function parseSelector(text: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  const out: Requirement[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (!part) continue;
    let m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (m) {
      out.push({ key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()).filter(Boolean) });
      continue;
    }
    m = /^([^=!\s]+)\s*(==|!=|=)\s*(\S*)$/.exec(part);
    if (m) {
      out.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3] });
      continue;
    }
    m = /^!\s*(\S+)$/.exec(part);
    if (m) {
      out.push({ key: m[1], op: '!exists' });
      continue;
    }
    if (/^\S+$/.test(part)) {
      out.push({ key: part, op: 'exists' });
      continue;
    }
    throw new Error(`cannot read "${part}" as a label requirement`);
  }
  out.forEach(requirementText); // validates
  return out;
}

export interface ClusterListQuery {
  selector?: string;
  /** exact cluster name (fieldSelector metadata.name) */
  name?: string;
  /** cluster ID: the hub labels every cluster with clusters.clusternet.io/cluster-id */
  clusterId?: string;
  limit?: number;
  continueToken?: string;
}

export const CLUSTER_ID_LABEL = 'clusters.clusternet.io/cluster-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the search box holds: a cluster ID (a UUID) or a cluster name. */
export function searchTerm(text: string): Pick<ClusterListQuery, 'name' | 'clusterId'> {
  const term = text.trim();
  if (!term) return {};
  return UUID.test(term) ? { clusterId: term.toLowerCase() } : { name: term };
}

/** The query string of a ManagedCluster list. */
export function clusterListQuery(q: ClusterListQuery): string {
  const params = new URLSearchParams();
  const selectors: string[] = [];
  if (q.selector && q.selector.trim()) selectors.push(labelSelector(parseSelector(q.selector)));
  if (q.clusterId) selectors.push(requirementText({ key: CLUSTER_ID_LABEL, op: '=', value: q.clusterId }));
  if (selectors.length) params.set('labelSelector', selectors.join(','));
  if (q.name) params.set('fieldSelector', `metadata.name=${q.name}`);
  if (q.limit) params.set('limit', String(q.limit));
  if (q.continueToken) params.set('continue', q.continueToken);
  return params.toString();
}
