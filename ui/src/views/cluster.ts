import { APPS, ApiError, CLUSTERS, get } from '../api';
import { clear, h } from '../dom';
import { age, quantity, readiness, timestamp, type Condition } from '../lib/format';
import { timeline, type HistoryEntry } from '../lib/timeline';
import { userLabels, HUB_LABEL_PREFIX } from '../lib/clusters';
import { announce, badge, errorBox, facts, link, loading, table, type Route } from '../page';

const HISTORY_PAGE = 100;
const TONES: Record<string, string> = { Ready: 'good', NotReady: 'bad', Unknown: 'warn', Success: 'good', Failure: 'bad', Pending: 'warn' };

const HISTORY_FILTERS: { label: string; types: string }[] = [
  { label: 'Everything', types: '' },
  { label: 'Status and health', types: 'FirstStatus,StatusChanged,HealthUnknown,HealthRecovered' },
  { label: 'Labels', types: 'LabelsChanged' },
  { label: 'Registration', types: 'Registered,Deregistered' },
  { label: 'Descriptions', types: 'DescriptionAssigned,DescriptionUpdated,DescriptionDeployed,DescriptionFailed,DescriptionRemoved' },
];

function yesNo(v: unknown): string {
  return v === true ? 'yes' : v === false ? 'no' : '—';
}

/** One cluster: status, conditions, taints, nodes and resources, labels, Descriptions, history. */
export async function clusterView(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const [, namespace, name] = route.path;
  const base = `${CLUSTERS}/namespaces/${encodeURIComponent(namespace)}/managedclusters/${encodeURIComponent(name)}`;
  const heading = h('h1', {}, `Cluster ${name}`);
  const summary = h('div', {}, loading('the cluster'));
  const descriptions = h('section', { 'aria-labelledby': 'descriptions-title' },
    h('h2', { id: 'descriptions-title' }, 'Descriptions'), loading('its Descriptions'));
  const history = h('section', { 'aria-labelledby': 'history-title', id: 'history' });
  clear(main, h('p', { class: 'crumbs' }, link(['clusters'], 'Clusters'), ' / ', name), heading, summary, descriptions, history);

  try {
    const c = await get(base, signal);
    if (signal.aborted) return;
    const s = c.status ?? {};
    const ready = readiness(s);
    const stats = s.nodeStatistics ?? {};
    const resources = [...new Set([...Object.keys(s.capacity ?? {}), ...Object.keys(s.allocatable ?? {})])].sort();
    clear(summary,
      h('p', {}, badge(ready, TONES[ready]), ' ', s.k8sVersion ? `Kubernetes ${s.k8sVersion}` : 'no status reported yet'),
      h('section', { 'aria-labelledby': 'status-title' }, h('h2', { id: 'status-title' }, 'Status'),
        facts([
          ['Namespace', c.metadata?.namespace],
          ['Cluster ID', h('code', {}, c.spec?.clusterId ?? '')],
          ['Type', c.spec?.clusterType],
          ['Sync mode', c.spec?.syncMode],
          ['Kubernetes', s.k8sVersion],
          ['Platform', s.platform],
          ['Agent', s.agentVersion],
          ['API server', s.apiserverURL],
          ['healthz / livez / readyz', `${yesNo(s.healthz)} / ${yesNo(s.livez)} / ${yesNo(s.readyz)}`],
          ['Last observed', s.lastObservedTime ? `${timestamp(s.lastObservedTime)} (${age(s.lastObservedTime)} ago)` : undefined],
          ['Heartbeat every', s.heartbeatFrequencySeconds ? `${s.heartbeatFrequencySeconds} s` : undefined],
          ['Registered', c.metadata?.creationTimestamp ? timestamp(c.metadata.creationTimestamp) : undefined],
        ])),
      h('div', { class: 'grid' },
        h('section', { 'aria-labelledby': 'nodes-title', class: 'card' }, h('h2', { id: 'nodes-title' }, 'Nodes'),
          facts([['Ready', stats.readyNodes ?? 0], ['Not ready', stats.notReadyNodes ?? 0], ['Unknown', stats.unknownNodes ?? 0],
            ['Pods running', s.podStatistics ? `${s.podStatistics.runningPods ?? 0} of ${s.podStatistics.totalPods ?? 0}` : undefined]])),
        h('section', { 'aria-labelledby': 'labels-title', class: 'card' }, h('h2', { id: 'labels-title' }, 'Labels'),
          h('ul', { class: 'labels', id: 'cluster-labels' }, Object.entries(c.metadata?.labels ?? {})
            .sort((a, b) => a[0].localeCompare(b[0]))
            .map(([k, v]) => h('li', { class: k.startsWith(HUB_LABEL_PREFIX) ? 'hub-label' : '' },
              link(['clusters'], `${k}=${v}`, { selector: `${k}=${v}` })))),
          h('p', { class: 'muted' }, `${userLabels(c.metadata?.labels ?? {}).length} set by users or the agent; clusters.clusternet.io/* by the hub.`))),
      h('section', { 'aria-labelledby': 'resources-title' },
        h('h2', { id: 'resources-title', class: 'visually-hidden' }, 'Resources'),
        table('Capacity and allocatable', ['Resource', 'Capacity', 'Allocatable'],
          resources.map((r) => [r, quantity(r, s.capacity?.[r]), quantity(r, s.allocatable?.[r])]), 'No resources reported.')),
      table('Conditions', ['Type', 'Status', 'Reason', 'Message', 'Since'],
        (s.conditions ?? []).map((x: Condition) => [x.type, x.status, x.reason ?? '', x.message ?? '',
          x.lastTransitionTime ? timestamp(x.lastTransitionTime) : ''])),
      table('Taints', ['Key', 'Value', 'Effect'],
        (c.spec?.taints ?? []).map((t: { key: string; value?: string; effect: string }) => [t.key, t.value ?? '', t.effect]),
        'No taints.'));
    announce(`Cluster ${name} is ${ready}.`);
  } catch (e) {
    if (signal.aborted) return;
    clear(summary, errorBox(e instanceof ApiError && e.code === 404 ? new Error(`no cluster ${name} in ${namespace}`) : e, 'the cluster'));
  }

  get(`${APPS}/namespaces/${encodeURIComponent(namespace)}/descriptions`, signal).then((list) => {
    const items = list.items ?? [];
    clear(descriptions, h('h2', { id: 'descriptions-title' }, 'Descriptions'),
      table(`What this cluster must run (${items.length})`, ['Name', 'Deployer', 'Phase', 'Reason', 'Subscription', 'Age'],
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        items.map((d: any) => {
          const phase = d.status?.phase ?? 'Pending';
          const subNs = d.metadata?.labels?.['apps.clusternet.io/subs.namespace'];
          const subName = d.metadata?.labels?.['apps.clusternet.io/subs.name'];
          return [d.metadata?.name, d.spec?.deployer ?? '', badge(phase, TONES[phase] ?? 'info'), d.status?.reason ?? '',
            subName ? link(['subscriptions', subNs, subName], `${subNs}/${subName}`) : '',
            age(d.metadata?.creationTimestamp)];
        }), 'No Descriptions: no Subscription selects this cluster.'));
  }).catch((e) => {
    if (!signal.aborted) clear(descriptions, h('h2', { id: 'descriptions-title' }, 'Descriptions'), errorBox(e, 'its Descriptions'));
  });

  // the history: pages of the cluster's journal and its Descriptions', oldest first; more on demand
  const filter = h('select', { id: 'history-filter', name: 'type' },
    HISTORY_FILTERS.map((f) => h('option', { value: f.types }, f.label)));
  const list = h('ol', { class: 'timeline', id: 'timeline', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load later entries');
  const status = h('p', { class: 'muted', role: 'status' });
  clear(history, h('h2', { id: 'history-title' }, 'History'),
    h('div', { class: 'inline' }, h('label', { for: 'history-filter' }, 'Show'), filter), list, status, more);
  let entries: HistoryEntry[] = [];
  let next: string | undefined;

  async function loadHistory(reset: boolean): Promise<void> {
    if (reset) {
      entries = [];
      next = undefined;
    }
    const q = new URLSearchParams({ limit: String(HISTORY_PAGE) });
    if (filter.value) q.set('type', filter.value);
    if (next) q.set('continue', next);
    status.textContent = 'Loading history…';
    try {
      const page = await get(`${base}/history?${q}`, signal);
      if (signal.aborted) return;
      entries = entries.concat(page.items ?? []);
      next = page.metadata?.continue || undefined;
      const items = timeline(entries);
      clear(list, items.map((item) => h('li', { class: `event ${item.tone}`, 'data-type': item.type },
        h('time', { datetime: item.time }, timestamp(item.time)),
        h('span', { class: 'event-title' }, item.title),
        item.detail ? h('span', { class: 'event-detail' }, item.detail) : null)));
      status.textContent = items.length === 0 ? 'No entries.' : `${items.length} entries${next ? '; more to load' : ''}.`;
      more.hidden = !next;
    } catch (e) {
      if (!signal.aborted) clear(status, errorBox(e, 'the history'));
    }
  }
  filter.addEventListener('change', () => loadHistory(true));
  more.addEventListener('click', () => loadHistory(false));
  await loadHistory(true);
}
