/**
 * A cluster's (or object's) history entries, as the hub's `/history` serves them, turned into
 * timeline items: a title, a tone and a line of detail per entry, in time order.
 */

export interface HistoryEntry {
  type: string;
  time: string;
  sequence?: number;
  [field: string]: unknown;
}

export type Tone = 'good' | 'bad' | 'warn' | 'info';

export interface TimelineItem {
  key: string;
  type: string;
  time: string;
  title: string;
  detail: string;
  tone: Tone;
}

interface Change {
  from: unknown;
  to: unknown;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  return String(v);
}

function labelsText(labels: unknown): string {
  if (!labels || typeof labels !== 'object') return '';
  return Object.entries(labels as Record<string, unknown>)
    .map(([k, v]) => (v === null ? `-${k}` : `${k}=${v}`))
    .join(', ');
}

function changesText(changes: unknown): string {
  if (!changes || typeof changes !== 'object') return '';
  return Object.entries(changes as Record<string, Change>)
    .map(([field, c]) => `${field}: ${show(c?.from)} → ${show(c?.to)}`)
    .join('; ');
}

/** A cluster's Description entries (from the Descriptions' own journals): title and tone by type. */
const DESCRIPTION_ENTRIES: Record<string, { title: string; tone: Tone }> = {
  DescriptionAssigned: { title: 'Description assigned', tone: 'info' },
  DescriptionUpdated: { title: 'Description updated', tone: 'info' },
  DescriptionDeployed: { title: 'Description deployed', tone: 'good' },
  DescriptionFailed: { title: 'Description failed', tone: 'bad' },
  DescriptionRemoved: { title: 'Description removed', tone: 'warn' },
};

function descriptionName(e: HistoryEntry): string {
  const d = e.description as { name?: string } | undefined;
  return d?.name ?? '';
}

/** The tone of a status entry: a Ready that became False/Unknown is bad, True is good. */
function statusTone(changes: unknown): Tone {
  const c = (changes ?? {}) as Record<string, Change>;
  const ready = c.ready?.to;
  if (ready === 'True') return 'good';
  if (ready === 'False' || ready === 'Unknown') return 'bad';
  for (const f of ['healthz', 'livez', 'readyz']) {
    if (c[f]?.to === false) return 'bad';
  }
  return 'info';
}

export function timelineItem(e: HistoryEntry): TimelineItem {
  // sequence numbers are per journal: a Description's entry is told apart by its name
  const base = { key: `${e.sequence ?? ''}:${e.type}:${e.time}:${descriptionName(e)}`, type: e.type, time: e.time };
  const description = DESCRIPTION_ENTRIES[e.type];
  if (description) {
    return { ...base, ...description, detail: [descriptionName(e), e.generation ? `generation ${e.generation}` : '',
      e.reason ? String(e.reason) : ''].filter(Boolean).join(' · ') };
  }
  switch (e.type) {
    case 'Registered':
      return { ...base, title: 'Registered', tone: 'good',
        detail: [`namespace ${show(e.namespace)}`, e.clusterType ? `type ${e.clusterType}` : '',
          e.syncMode ? `sync ${e.syncMode}` : '', labelsText(e.labels) ? `labels ${labelsText(e.labels)}` : '']
          .filter(Boolean).join(' · ') };
    case 'FirstStatus':
      return { ...base, title: 'First status report', tone: statusTone(e.changes), detail: changesText(e.changes) };
    case 'StatusChanged':
      return { ...base, title: 'Status changed', tone: statusTone(e.changes), detail: changesText(e.changes) };
    case 'LabelsChanged':
      return { ...base, title: 'Labels changed', tone: 'info', detail: labelsText(e.labels) };
    case 'HealthUnknown':
      return { ...base, title: 'Health unknown', tone: 'bad', detail: show(e.reason ?? 'heartbeats stopped') };
    case 'HealthRecovered':
      return { ...base, title: 'Health recovered', tone: 'good', detail: changesText(e.changes) };
    case 'Deregistered':
      return { ...base, title: 'Deregistered', tone: 'warn', detail: '' };
    case 'Created':
      return { ...base, title: 'Created', tone: 'good', detail: '' };
    case 'PhaseChanged': {
      const to = show(e.to);
      return { ...base, title: `Phase ${show(e.from)} → ${to}`,
        tone: to === 'Success' ? 'good' : to === 'Failure' ? 'bad' : 'info', detail: e.reason ? String(e.reason) : '' };
    }
    case 'SpecChanged':
      return { ...base, title: 'Spec changed', tone: 'info', detail: e.generation ? `generation ${e.generation}` : '' };
    case 'Deleted':
    case 'DeletionRequested':
      return { ...base, title: e.type === 'Deleted' ? 'Deleted' : 'Deletion requested', tone: 'warn', detail: '' };
    default:
      return { ...base, title: e.type, tone: 'info', detail: '' };
  }
}

/** Pages appended in journal order → items oldest first (as the hub pages them), without duplicates. */
export function timeline(entries: HistoryEntry[]): TimelineItem[] {
  const seen = new Set<string>();
  const out: TimelineItem[] = [];
  for (const e of entries) {
    const item = timelineItem(e);
    if (seen.has(item.key)) continue;
    seen.add(item.key);
    out.push(item);
  }
  return out.sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || seq(a) - seq(b));
}

function seq(item: TimelineItem): number {
  return Number(item.key.slice(0, item.key.indexOf(':'))) || 0;
}
