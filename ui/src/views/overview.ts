import { ApiError, FLEET, get } from '../api';
import { clear, h } from '../dom';
import { byCount, share, timestamp } from '../lib/format';
import { isLabelKey, requirementText } from '../lib/selectors';
import { errorBox, link, loading, type Route } from '../page';

interface FleetSummary {
  asOf: string;
  total: number;
  readiness: Record<string, number>;
  kubernetesVersions: Record<string, number>;
  syncModes: Record<string, number>;
  labelKeys?: string[];
  label?: { key: string; values: Record<string, number>; otherValues?: number; unlabelled: number };
}

const LABEL_KEY = 'flotilla.overview.labelKey';
const REFRESH_MS = 15_000;
const NOT_SET = '(not set)';
const OTHER = '(other values)';

/** A bar chart as a table: one row per value, its count, and a bar whose width is its share. */
function counts(caption: string, id: string, entries: [string, number][], total: number,
  linkTo?: (value: string) => HTMLElement | null): HTMLElement {
  if (entries.length === 0) {
    return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, caption), h('p', { class: 'muted' }, 'None.'));
  }
  return h('section', { class: 'card', 'aria-labelledby': id },
    h('h2', { id }, caption),
    h('table', { class: 'counts' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Value'), h('th', { scope: 'col' }, 'Clusters'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Share')))),
      h('tbody', {}, entries.map(([value, n]) => h('tr', { 'data-value': value },
        h('th', { scope: 'row' }, (linkTo && linkTo(value)) || value),
        h('td', { class: 'num' }, n),
        h('td', { class: 'bar-cell', 'aria-hidden': 'true' },
          h('span', { class: 'bar', style: `width:${total > 0 ? Math.max(1, Math.round((n * 100) / total)) : 0}%` })))))));
}

export async function overviewView(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const initialKey = route.query.get('labelKey') ?? localStorage.getItem(LABEL_KEY) ?? '';
  const keyInput = h('input', { id: 'label-key', name: 'labelKey', value: initialKey, placeholder: 'e.g. region',
    autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'label-key-help', list: 'label-keys' });
  const keyOptions = h('datalist', { id: 'label-keys' });
  const keyError = h('p', { class: 'error', role: 'alert', hidden: true });
  const body = h('div', { id: 'overview-body' }, loading('the fleet summary'));
  const form = h('form', { class: 'inline', role: 'search', 'aria-label': 'Group clusters by a label' },
    h('label', { for: 'label-key' }, 'Count by label key'),
    keyInput,
    keyOptions,
    h('button', { type: 'submit' }, 'Show'),
    h('span', { id: 'label-key-help', class: 'muted' }, 'Values of this label are counted; pick one to list its clusters.'),
    keyError);
  clear(main, h('h1', {}, 'Fleet overview'), form, body);

  let labelKey = initialKey.trim();
  let timer = 0;

  async function load(): Promise<void> {
    window.clearTimeout(timer);
    const query = labelKey ? `?labelKey=${encodeURIComponent(labelKey)}` : '';
    try {
      const summary = await get<FleetSummary>(`${FLEET}/fleetsummaries/fleet${query}`, signal);
      if (signal.aborted) return;
      renderSummary(summary);
    } catch (e) {
      if (signal.aborted) return;
      clear(body, errorBox(e instanceof ApiError && e.code === 404
        ? new Error('this hub has no fleet summary endpoint (fleet.flotilla.io/v1alpha1)') : e, 'the fleet summary'));
    }
    timer = window.setTimeout(load, REFRESH_MS);
  }

  function renderSummary(s: FleetSummary): void {
    clear(keyOptions, (s.labelKeys ?? []).map((k) => h('option', { value: k })));
    const r = s.readiness ?? {};
    const tile = (name: string, n: number, tone: string) => h('li', { class: `tile ${tone}`, 'data-readiness': name },
      h('span', { class: 'tile-count' }, n), h('span', { class: 'tile-label' }, name),
      h('span', { class: 'tile-share' }, share(n, s.total)));
    const sections: HTMLElement[] = [
      h('section', { 'aria-labelledby': 'readiness-title' },
        h('h2', { id: 'readiness-title' }, 'Readiness'),
        h('p', { class: 'total' }, h('strong', { id: 'total-clusters' }, s.total), ' clusters in the fleet'),
        h('ul', { class: 'tiles', 'aria-label': 'Clusters by readiness' },
          tile('Ready', r.Ready ?? 0, 'good'), tile('NotReady', r.NotReady ?? 0, 'bad'), tile('Unknown', r.Unknown ?? 0, 'warn'))),
      h('div', { class: 'grid' },
        counts('Kubernetes versions', 'versions-title', byCount(s.kubernetesVersions), s.total),
        counts('Sync modes', 'syncmodes-title', byCount(s.syncModes), s.total),
        s.label ? counts(`Label ${s.label.key}`, 'label-title',
          [...byCount(s.label.values),
            ...((s.label.otherValues ?? 0) > 0 ? [[OTHER, s.label.otherValues!] as [string, number]] : []),
            ...(s.label.unlabelled > 0 ? [[NOT_SET, s.label.unlabelled] as [string, number]] : [])],
          s.total,
          (value) => {
            if (value === OTHER) return null;
            const selector = value === NOT_SET ? `!${s.label!.key}`
              : requirementText({ key: s.label!.key, op: '=', value });
            return link(['clusters'], value, { selector });
          }) : h('section', { class: 'card' }, h('h2', {}, 'Labels'),
          h('p', { class: 'muted' }, 'Enter a label key above to count its values.'))),
      h('p', { class: 'muted as-of' }, `As of ${timestamp(s.asOf)}; refreshed every ${REFRESH_MS / 1000} s.`),
    ];
    clear(body, sections);
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const key = keyInput.value.trim();
    if (key && !isLabelKey(key)) {
      keyError.textContent = `"${key}" is not a label key.`;
      keyError.hidden = false;
      keyInput.setAttribute('aria-invalid', 'true');
      return;
    }
    keyError.hidden = true;
    keyInput.removeAttribute('aria-invalid');
    labelKey = key;
    if (key) localStorage.setItem(LABEL_KEY, key);
    else localStorage.removeItem(LABEL_KEY);
    clear(body, loading('the fleet summary'));
    load();
  });
  signal.addEventListener('abort', () => window.clearTimeout(timer));
  await load();
}
