import { APPS, ApiError, get, watch } from '../api';
import { clear, h } from '../dom';
import { timestamp } from '../lib/format';
import { descriptionFailures, rollout, type Rollout } from '../lib/rollout';
import { requirementText } from '../lib/selectors';
import { announce, badge, errorBox, facts, link, table, type Route } from '../page';

const RETRY_MS = 2000;
const DESCRIPTIONS_EVERY_MS = 3000;

/**
 * One Subscription, live: a watch on it by name (fetch + ReadableStream, the hub's
 * newline-delimited events) re-renders the rollout on every change, without a reload. A
 * Subscription that does not exist yet is waited for: the watch sees it ADDED.
 */
export async function subscriptionView(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const [, namespace, name] = route.path;
  const collection = `${APPS}/namespaces/${encodeURIComponent(namespace)}/subscriptions`;
  const live = h('p', { class: 'live', id: 'live-state', role: 'status' }, 'Connecting…');
  const body = h('div', { id: 'subscription-body' });
  const progressText = h('p', { id: 'rollout-progress', 'aria-live': 'polite' });
  clear(main, h('p', { class: 'crumbs' }, link(['subscriptions'], 'Subscriptions'), ' / ', `${namespace}/${name}`),
    h('h1', {}, `Subscription ${name}`), live, progressText, body);

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let latest: any = null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let descriptions: any[] = [];
  let descriptionsAt = 0;
  let descriptionsTimer = 0;
  let lastAnnounced = '';

  function render(): void {
    if (!latest) {
      clear(body, h('p', { class: 'muted', id: 'waiting' }, `No Subscription ${namespace}/${name} yet; waiting for it to be created.`));
      progressText.textContent = '';
      return;
    }
    const r = rollout(latest);
    const failures = [...r.failures, ...descriptionFailures(descriptions)];
    const progress = `${r.completed} of ${r.desired} releases completed`;
    progressText.textContent = `${progress}${r.done ? ' — rollout complete' : ''}`;
    progressText.dataset.completed = String(r.completed);
    progressText.dataset.desired = String(r.desired);
    if (progress !== lastAnnounced) {
      lastAnnounced = progress;
      announce(progress);
    }
    clear(body,
      h('div', { class: 'rollout' },
        h('label', { for: 'rollout-bar' }, 'Rollout'),
        h('progress', { id: 'rollout-bar', max: Math.max(r.desired, 1), value: Math.min(r.completed, r.desired) }),
        h('span', {}, ` ${r.percent}%`)),
      facts([
        ['Scheduling', latest.spec?.schedulingStrategy ?? 'Replication'],
        ['Generation', String(latest.metadata?.generation ?? '')],
        ['Binding clusters', r.clusters.length],
        ['Desired releases', r.desired],
        ['Completed releases', r.completed],
        ['Last change seen', timestamp(new Date().toISOString())],
      ]),
      failures.length ? h('section', { 'aria-labelledby': 'failures-title', class: 'failures' },
        h('h2', { id: 'failures-title' }, 'Failures'),
        h('ul', { id: 'failures' }, failures.map((f) => h('li', {}, h('strong', {}, f.where), ': ', f.reason)))) : null,
      rolloutClusters(r),
      table('Feeds', ['Feed', 'Available everywhere', 'Ready replicas'],
        r.feeds.map((f) => [h('code', {}, f.key), f.available ? badge('yes', 'good') : badge('not yet', 'warn'),
          f.replicas !== undefined ? `${f.readyReplicas ?? 0} / ${f.replicas}` : '—']), 'No status reported yet.'),
      table('Conditions', ['Type', 'Status', 'Reason', 'Message'],
        r.conditions.map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '']), 'No conditions.'),
      table('Descriptions', ['Description', 'Phase', 'Reason'],
        descriptions.map((d) => [`${d.metadata?.namespace}/${d.metadata?.name}`,
          badge(d.status?.phase ?? 'Pending', d.status?.phase === 'Success' ? 'good' : d.status?.phase === 'Failure' ? 'bad' : 'warn'),
          d.status?.reason ?? '']), 'No Descriptions yet.'));
  }

  function rolloutClusters(r: Rollout): HTMLElement {
    const feedKeys = [...new Set(r.clusters.flatMap((c) => Object.keys(c.replicas)))];
    return table('Binding clusters', ['Cluster', 'Feeds available', 'Ready replicas', ...feedKeys.map((k) => `Replicas of ${k}`)],
      r.clusters.map((c) => [link(['clusters', c.namespace, c.name], c.binding),
        c.totalFeeds ? `${c.availableFeeds} / ${c.totalFeeds}` : '—',
        c.wantedReplicas !== undefined ? `${c.readyReplicas ?? 0} / ${c.wantedReplicas}` : '—',
        ...feedKeys.map((k) => String(c.replicas[k] ?? '—'))]), 'No cluster bound yet.');
  }

  /** Descriptions of this Subscription (labelled by the hub), at most every few seconds. */
  function refreshDescriptions(): void {
    if (descriptionsTimer) return;
    const wait = Math.max(0, descriptionsAt + DESCRIPTIONS_EVERY_MS - Date.now());
    descriptionsTimer = window.setTimeout(async () => {
      descriptionsTimer = 0;
      descriptionsAt = Date.now();
      const selector = [requirementText({ key: 'apps.clusternet.io/subs.namespace', op: '=', value: namespace }),
        requirementText({ key: 'apps.clusternet.io/subs.name', op: '=', value: name })].join(',');
      try {
        const list = await get(`${APPS}/descriptions?labelSelector=${encodeURIComponent(selector)}`, signal);
        if (signal.aborted) return;
        descriptions = list.items ?? [];
        render();
      } catch {
        // the next change tries again
      }
    }, wait);
  }

  signal.addEventListener('abort', () => window.clearTimeout(descriptionsTimer));

  try {
    latest = await get(`${collection}/${encodeURIComponent(name)}`, signal);
  } catch (e) {
    if (signal.aborted) return;
    if (!(e instanceof ApiError && e.code === 404)) {
      clear(body, errorBox(e, 'the subscription'));
    }
  }
  render();
  if (latest) refreshDescriptions();

  const selector = encodeURIComponent(`metadata.name=${name}`);
  while (!signal.aborted) {
    try {
      live.textContent = 'Live: watching for changes';
      live.className = 'live on';
      await watch(`${collection}?watch=1&fieldSelector=${selector}`, (event) => {
        if (event.type === 'ADDED' || event.type === 'MODIFIED') {
          latest = event.object;
          render();
          refreshDescriptions();
        } else if (event.type === 'DELETED') {
          latest = null;
          descriptions = [];
          render();
          announce(`Subscription ${name} was deleted.`);
        }
      }, signal);
    } catch (e) {
      if (signal.aborted) return;
      live.textContent = `Disconnected (${e instanceof Error ? e.message : String(e)}); reconnecting…`;
      live.className = 'live off';
      await new Promise((resolve) => window.setTimeout(resolve, RETRY_MS));
    }
  }
}
