import { APPS, get } from '../api';
import { clear, h } from '../dom';
import { age } from '../lib/format';
import { rollout } from '../lib/rollout';
import { errorBox, link, loading, type Route } from '../page';

const PAGE_SIZE = 50;

/** Every Subscription (all namespaces), paged by the hub, with its rollout progress. */
export async function subscriptionsView(main: HTMLElement, _route: Route, signal: AbortSignal): Promise<void> {
  const results = h('div', {}, loading('subscriptions'));
  clear(main, h('h1', {}, 'Subscriptions'), results);
  const tokens: (string | undefined)[] = [undefined];
  let pageIndex = 0;

  async function load(): Promise<void> {
    clear(results, loading('subscriptions'));
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (tokens[pageIndex]) q.set('continue', tokens[pageIndex]!);
    try {
      const list = await get(`${APPS}/subscriptions?${q}`, signal);
      if (signal.aborted) return;
      const next: string | undefined = list.metadata?.continue || undefined;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const rows = (list.items ?? []).map((s: any) => {
        const r = rollout(s);
        return h('tr', { 'data-subscription': `${r.namespace}/${r.name}` },
          h('th', { scope: 'row' }, link(['subscriptions', r.namespace, r.name], r.name)),
          h('td', {}, r.namespace),
          h('td', {}, s.spec?.schedulingStrategy ?? 'Replication'),
          h('td', { class: 'num' }, r.clusters.length),
          h('td', {}, h('progress', { max: Math.max(r.desired, 1), value: r.completed, 'aria-label': `${r.name} releases completed` }),
            ` ${r.completed}/${r.desired}`),
          h('td', {}, h('time', { datetime: s.metadata?.creationTimestamp ?? '' }, age(s.metadata?.creationTimestamp))));
      });
      clear(results,
        rows.length === 0 ? h('p', {}, 'No Subscriptions yet.') : h('table', {},
          h('caption', { class: 'visually-hidden' }, 'Subscriptions'),
          h('thead', {}, h('tr', {}, ['Name', 'Namespace', 'Scheduling', 'Clusters', 'Releases completed', 'Age']
            .map((x) => h('th', { scope: 'col' }, x)))),
          h('tbody', {}, rows)),
        h('nav', { class: 'pager', 'aria-label': 'Subscription pages' },
          h('button', { type: 'button', class: 'secondary', disabled: pageIndex === 0,
            onclick: () => { pageIndex -= 1; load(); } }, 'Previous page'),
          h('span', {}, `Page ${pageIndex + 1}`),
          h('button', { type: 'button', class: 'secondary', disabled: !next,
            onclick: () => { tokens[pageIndex + 1] = next; pageIndex += 1; load(); } }, 'Next page')));
    } catch (e) {
      if (!signal.aborted) clear(results, errorBox(e, 'subscriptions'));
    }
  }
  await load();
}
