/** Formatting of times, readiness and quantities for the dashboard (pure functions). */

export type Readiness = 'Ready' | 'NotReady' | 'Unknown';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/**
 * A cluster's readiness as the hub's fleet summary counts it: Unknown when the hub holds its
 * health Unknown (Ready condition Unknown) or nothing was reported yet, else the agent's readyz.
 */
export function readiness(status: { readyz?: boolean; conditions?: Condition[] } | undefined): Readiness {
  const ready = (status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (ready?.status === 'Unknown') return 'Unknown';
  if (typeof status?.readyz === 'boolean') return status.readyz ? 'Ready' : 'NotReady';
  if (ready?.status === 'True') return 'Ready';
  if (ready?.status === 'False') return 'NotReady';
  return 'Unknown';
}

/** kubectl's age: 45s, 12m, 3h, 5d, 2y (from an RFC 3339 time to now). */
export function age(time: string | undefined, now: number = Date.now()): string {
  if (!time) return '—';
  const then = Date.parse(time);
  if (Number.isNaN(then)) return '—';
  const seconds = Math.max(0, Math.floor((now - then) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 730) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}

/** An RFC 3339 time as `2024-05-01 12:03:04 UTC` (milliseconds kept when present). */
export function timestamp(time: string | undefined): string {
  if (!time) return '—';
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return time;
  const iso = d.toISOString();
  const ms = iso.slice(20, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms !== '000' ? '.' + ms : ''} UTC`;
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity (`1536Mi`, `500m`, `12`, `1e3`) as a number; NaN if unreadable. */
export function parseQuantity(q: string | undefined): number {
  if (q === undefined || q === null) return NaN;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(String(q).trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  const suffix = m[2];
  if (suffix in BINARY) return n * BINARY[suffix];
  if (suffix in DECIMAL) return n * DECIMAL[suffix];
  return NaN;
}

/** Memory-like quantities in binary units (`48 GiB`), CPU in cores (`11.5`), others as given. */
export function quantity(resource: string, q: string | undefined): string {
  if (q === undefined) return '—';
  const n = parseQuantity(q);
  if (Number.isNaN(n)) return String(q);
  if (resource === 'memory' || resource.includes('storage')) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let v = n;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return `${trim(v)} ${units[i]}`;
  }
  if (resource === 'cpu') return `${trim(n)} cores`;
  return trim(n);
}

function trim(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, '');
}

/** `n of total (p%)`, the percentage rounded down so 99.6% is never shown as 100%. */
export function share(n: number, total: number): string {
  if (total <= 0) return `${n}`;
  return `${n} of ${total} (${Math.floor((n * 100) / total)}%)`;
}

/** Entries of a count map sorted by count descending, then key. */
export function byCount(counts: Record<string, number> | undefined): [string, number][] {
  return Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
