/** What views share: the route, announcements for screen readers, focus on arrival, common widgets. */
import { ApiError } from './api';
import { h } from './dom';

export interface Route {
  path: string[];
  query: URLSearchParams;
}

/** A view renders into main; its signal is aborted when the user leaves it (watches and timers stop). */
export type View = (main: HTMLElement, route: Route, signal: AbortSignal) => void | Promise<void>;

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = (q >= 0 ? raw.slice(0, q) : raw).split('/').filter(Boolean).map(decodeURIComponent);
  return { path, query: new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '') };
}

export function announce(message: string): void {
  const announcer = document.getElementById('announcer');
  if (!announcer) return;
  announcer.textContent = '';
  window.setTimeout(() => (announcer.textContent = message), 50);
}

/** An error as an alert box (a 401 never gets here: it goes back to sign-in). */
export function errorBox(e: unknown, what: string): HTMLElement {
  const message = e instanceof ApiError ? `${e.message} (HTTP ${e.code})` : e instanceof Error ? e.message : String(e);
  return h('div', { class: 'error', role: 'alert' }, `Could not load ${what}: ${message}`);
}

export function loading(what: string): HTMLElement {
  return h('p', { class: 'muted', role: 'status' }, `Loading ${what}…`);
}

/** A hash link to a route. */
export function link(path: string[], text: string, query?: Record<string, string>): HTMLAnchorElement {
  const q = query ? new URLSearchParams(query).toString() : '';
  return h('a', { href: `#/${path.map(encodeURIComponent).join('/')}${q ? '?' + q : ''}` }, text);
}

export function badge(text: string, tone: string): HTMLElement {
  return h('span', { class: `badge ${tone}` }, text);
}

/** A definition list of label → value, values absent shown as a dash. */
export function facts(rows: [string, Node | string | number | undefined | null][]): HTMLElement {
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v === undefined || v === null || v === '' ? '—' : v)]));
}

export function table(caption: string, headers: string[], rows: (Node | string | number)[][], empty = 'None.'): HTMLElement {
  if (rows.length === 0) {
    return h('div', {}, h('h3', {}, caption), h('p', { class: 'muted' }, empty));
  }
  return h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c)))))));
}
