import { CLUSTERS, get } from '../api';
import { clear, h } from '../dom';
import { age } from '../lib/format';
import { clusterRow, sortRows, userLabels, type ClusterSummaryRow, type SortKey } from '../lib/clusters';
import { clusterListQuery, parseSelector, searchTerm } from '../lib/selectors';
import { announce, badge, errorBox, link, loading, type Route } from '../page';

const PAGE_SIZE = 50;

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'name', label: 'Name' },
  { key: 'namespace', label: 'Namespace' },
  { key: 'readiness', label: 'Ready' },
  { key: 'k8sVersion', label: 'Kubernetes' },
  { key: 'syncMode', label: 'Sync mode' },
  { key: 'created', label: 'Age' },
];

const TONES: Record<string, string> = { Ready: 'good', NotReady: 'bad', Unknown: 'warn' };

/** The cluster list: server-side paging and selectors, client-side sort within the page. */
export async function clustersView(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const selector = route.query.get('selector') ?? '';
  const search = route.query.get('q') ?? '';
  const selectorInput = h('input', { id: 'selector', name: 'selector', value: selector, placeholder: 'region=eu,tier in (edge)',
    autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'selector-help' });
  const searchInput = h('input', { id: 'search', name: 'q', type: 'search', value: search, placeholder: 'name or cluster ID',
    autocomplete: 'off', spellcheck: 'false' });
  const formError = h('p', { class: 'error', role: 'alert', hidden: true });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter clusters' },
    h('div', { class: 'field' }, h('label', { for: 'search' }, 'Search by name or ID'), searchInput),
    h('div', { class: 'field' }, h('label', { for: 'selector' }, 'Label selector'), selectorInput,
      h('span', { id: 'selector-help', class: 'muted' }, 'Kubernetes syntax: key=value, key!=value, key in (a,b), key, !key')),
    h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Apply'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { location.hash = '#/clusters'; } }, 'Clear')),
    formError);
  const results = h('div', { id: 'cluster-results' });
  clear(main, h('h1', {}, 'Clusters'), form, results);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      parseSelector(selectorInput.value);
    } catch (err) {
      formError.textContent = (err as Error).message;
      formError.hidden = false;
      selectorInput.setAttribute('aria-invalid', 'true');
      selectorInput.focus();
      return;
    }
    const q = new URLSearchParams();
    if (selectorInput.value.trim()) q.set('selector', selectorInput.value.trim());
    if (searchInput.value.trim()) q.set('q', searchInput.value.trim());
    const hash = `#/clusters${q.toString() ? '?' + q.toString() : ''}`;
    if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = hash;
  });

  // pages: the continue tokens that led to each page we have seen, so Previous works too
  const tokens: (string | undefined)[] = [undefined];
  let pageIndex = 0;
  let rows: ClusterSummaryRow[] = [];
  let next: string | undefined;
  let sortKey: SortKey = 'name';
  let ascending = true;

  async function loadPage(): Promise<void> {
    clear(results, loading('clusters'));
    let query: string;
    try {
      query = clusterListQuery({ selector, ...searchTerm(search), limit: PAGE_SIZE, continueToken: tokens[pageIndex] });
    } catch (err) {
      clear(results, errorBox(err, 'clusters'));
      return;
    }
    try {
      const list = await get(`${CLUSTERS}/managedclusters?${query}`, signal);
      if (signal.aborted) return;
      rows = (list.items ?? []).map(clusterRow);
      next = list.metadata?.continue || undefined;
      renderTable();
      announce(`${rows.length} clusters on page ${pageIndex + 1}${next ? ', more on the next page' : ''}.`);
    } catch (err) {
      if (!signal.aborted) clear(results, errorBox(err, 'clusters'));
    }
  }

  function renderTable(): void {
    const sorted = sortRows(rows, sortKey, ascending);
    const header = h('tr', {}, COLUMNS.map((c) => {
      const active = c.key === sortKey;
      return h('th', { scope: 'col', 'aria-sort': active ? (ascending ? 'ascending' : 'descending') : null },
        h('button', { type: 'button', class: 'sort', 'data-sort': c.key, onclick: () => {
          if (sortKey === c.key) ascending = !ascending;
          else { sortKey = c.key; ascending = true; }
          renderTable();
          (results.querySelector(`button[data-sort="${c.key}"]`) as HTMLButtonElement | null)?.focus();
        } }, c.label, h('span', { 'aria-hidden': 'true', class: 'sort-mark' }, active ? (ascending ? ' ▲' : ' ▼') : '')));
    }), h('th', { scope: 'col' }, 'Nodes'), h('th', { scope: 'col' }, 'Labels'));
    const body = sorted.map((r) => h('tr', { 'data-cluster': r.name },
      h('th', { scope: 'row' }, link(['clusters', r.namespace, r.name], r.name)),
      h('td', {}, r.namespace),
      h('td', {}, badge(r.readiness, TONES[r.readiness])),
      h('td', {}, r.k8sVersion || '—'),
      h('td', {}, r.syncMode || '—'),
      h('td', {}, h('time', { datetime: r.created }, age(r.created))),
      h('td', {}, r.nodes || '—'),
      h('td', {}, h('ul', { class: 'labels' }, userLabels(r.labels).map(([k, v]) => h('li', {}, h('code', {}, `${k}=${v}`)))))));
    const pager = h('nav', { class: 'pager', 'aria-label': 'Cluster pages' },
      h('button', { type: 'button', class: 'secondary', disabled: pageIndex === 0,
        onclick: () => { pageIndex -= 1; loadPage(); } }, 'Previous page'),
      h('span', {}, `Page ${pageIndex + 1}`),
      h('button', { type: 'button', class: 'secondary', disabled: !next,
        onclick: () => { tokens[pageIndex + 1] = next; pageIndex += 1; loadPage(); } }, 'Next page'));
    clear(results,
      h('p', { class: 'muted', id: 'cluster-count' }, `${rows.length} cluster${rows.length === 1 ? '' : 's'} on this page`
        + (selector ? ` matching ${selector}` : '') + (search ? ` for “${search}”` : '') + '. Sorting applies within the page.'),
      rows.length === 0 ? h('p', {}, 'No clusters match.') : h('table', { class: 'clusters' },
        h('caption', { class: 'visually-hidden' }, 'Managed clusters'), h('thead', {}, header), h('tbody', {}, body)),
      pager);
  }

  await loadPage();
}
